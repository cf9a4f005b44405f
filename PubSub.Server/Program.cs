using PubSub.Server.Hosting;

var app = PubSubServer.Build(args);
app.Run();

/// <summary>The entry point, visible to tests that start the server in-process.</summary>
public partial class Program;
