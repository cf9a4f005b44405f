namespace PubSub.Server.Hosting;

/// <summary>The heartbeat every connection gets, whatever its transport (<c>/ws</c>, the hub, SSE), section <c>PubSub:Heartbeat</c>.</summary>
public sealed class HeartbeatOptions
{
    public const string SectionName = "PubSub:Heartbeat";

    /// <summary>
    /// Period of the <c>info</c> <c>ping</c> on every open connection; zero turns it off. Default 30 s. Formerly
    /// <c>PubSub:WebSocket:HeartbeatInterval</c>, still read when this is not set.
    /// </summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(30);
}
