namespace PubSub.Core;

/// <summary>
/// Resource limits, section <c>PubSub:Limits</c>: the broker's, whose crossing is answered with <c>LIMIT_EXCEEDED</c>
/// (REST 429), and the two the host's transports enforce (<see cref="MaxMessageBytes"/>, <see cref="MaxConnections"/>).
/// </summary>
public sealed class LimitOptions
{
    /// <summary>Subscriptions one connection may hold (a repeated subscribe does not count twice). Default 1000.</summary>
    public int MaxSubscriptionsPerConnection { get; set; } = 1000;

    /// <summary>Topics the broker may hold; creating one more (REST, dashboard, auto-create) is refused. Default 10000.</summary>
    public int MaxTopics { get; set; } = 10_000;

    /// <summary>
    /// Existing topics one API key may have created (REST, dashboard, create on first use), so that one tenant cannot
    /// fill <see cref="MaxTopics"/> for the others. Counted with auth on only; a deletion gives the place back. Default 1000.
    /// </summary>
    public int MaxTopicsPerKey { get; set; } = 1000;

    /// <summary>UTF-8 bytes of a topic's <c>metadata</c> JSON object. Default 16384.</summary>
    public int MaxMetadataBytes { get; set; } = 16 * 1024;

    /// <summary>Characters of a <c>client_id</c>, <c>request_id</c> or <c>message.id</c>. Default 4096, so every id v1 clients send (up to 1024) passes; 1 … 1048576, lower values being the operator's choice.</summary>
    public int MaxIdLength { get; set; } = 4096;

    /// <summary>
    /// Bytes of one message a client sends, on every transport the host runs: a <c>/ws</c> frame (larger: BAD_REQUEST and
    /// close 1009), a hub message (SignalR closes the connection) and a REST body (413). Default 65536; 256 … 16,777,216.
    /// Read by the transports, not by the broker; formerly <c>PubSub:WebSocket:MaxFrameBytes</c>.
    /// </summary>
    public int MaxMessageBytes { get; set; } = 64 * 1024;

    /// <summary>
    /// Open TCP connections (every one, HTTP, WebSocket, hub, dashboard; upgraded or not) the host keeps at once; one
    /// more is closed as soon as it is accepted. Default (unset): the open-file limit found at start less
    /// max(512, limit / 8), e.g. 3,584 at <c>ulimit -n 4096</c>; 10,000 where the limit cannot be read. Set, it must be
    /// 1 … 1,000,000 and leave that headroom below the open-file limit. Enforced and checked by the host, not the broker.
    /// </summary>
    public int? MaxConnections { get; set; }
}
