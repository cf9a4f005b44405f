namespace PubSub.Server.Hosting;

/// <summary>Graceful shutdown, section <c>PubSub:Shutdown</c>.</summary>
public sealed class ShutdownOptions
{
    public const string SectionName = "PubSub:Shutdown";

    /// <summary>How long connections get to flush queued frames before <c>server_shutdown</c> and close 1001. Default 5 s.</summary>
    public TimeSpan FlushTimeout { get; set; } = TimeSpan.FromSeconds(5);
}
