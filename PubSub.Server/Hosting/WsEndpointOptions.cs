namespace PubSub.Server.Hosting;

/// <summary>The raw JSON WebSocket endpoint <c>/ws</c>, section <c>PubSub:WebSocket</c>.</summary>
public sealed class WsEndpointOptions
{
    public const string SectionName = "PubSub:WebSocket";

    // The largest frame is PubSub:Limits:MaxMessageBytes (every transport's) and the info ping's period
    // PubSub:Heartbeat:Interval (every transport's); their old keys here are read as aliases (RenamedSetting).

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
