using PubSub.Server.Hosting;

// A configuration or bind mistake ends here with one line on stderr and exit code 1 (StartupErrors).
return StartupErrors.Run(args);

/// <summary>The entry point, visible to tests that start the server in-process.</summary>
public partial class Program;
