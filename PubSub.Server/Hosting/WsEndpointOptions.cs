namespace PubSub.Server.Hosting;

/// <summary>The raw JSON WebSocket endpoint, section <c>PubSub:WebSocket</c>.</summary>
public sealed class WsEndpointOptions
{
    public const string SectionName = "PubSub:WebSocket";

    /// <summary>Largest client frame accepted, in bytes; a larger one gets BAD_REQUEST and close 1009. Default 65536.</summary>
    public int MaxFrameBytes { get; set; } = 64 * 1024;

    /// <summary>Period of the <c>info</c> <c>ping</c> frame on every connection; zero turns it off. Default 30 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>WebSocket protocol-level ping period (keep-alive). Default 30 s.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The frames <c>/ws</c> speaks: <see cref="WsDialect.Standard"/> (default) or <see cref="WsDialect.Seed"/> for the
    /// original Django server's own clients (PROTOCOL.md §9). Only <c>/ws</c> changes; the hub and REST do not.
    /// </summary>
    public WsDialect Dialect { get; set; } = WsDialect.Standard;

    /// <summary>
    /// A peer that does not answer a keep-alive ping within this time is dropped (and unsubscribed); zero only
    /// sends unsolicited pongs and never drops. Default 20 s, so a vanished peer goes within interval + timeout.
    /// </summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>A client message whose frame(s) stay unfinished this long gets BAD_REQUEST and close 1008; zero turns it off. Default 30 s.</summary>
    public TimeSpan FrameTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
