namespace PubSub.Server.Hosting;

/// <summary>Which frames <c>/ws</c> and <c>/ws/</c> speak (<see cref="WsEndpointOptions.Dialect"/>).</summary>
public enum WsDialect
{
    /// <summary>PROTOCOL.md §2–5: <c>ack</c>, <c>event</c>, <c>error</c> with a code, <c>ts</c>; topics and ids follow the broker's options. The default.</summary>
    Standard,

    /// <summary>
    /// PROTOCOL.md §9: the original Django server's frames (<c>connected</c>, <c>subscribed</c>, <c>published</c>,
    /// <c>message</c>, …, <c>timestamp</c>), topics created on first subscribe or publish, any non-empty message id.
    /// </summary>
    Seed,
}
