namespace PubSub.Server.Limits;

/// <summary>The per-node connection cap, key <c>PubSub:Limits:MaxConnections</c>.</summary>
public sealed class ConnectionLimitOptions
{
    public const string SectionName = "PubSub:Limits";

    /// <summary>Highest value accepted.</summary>
    public const int Ceiling = 1_000_000;

    /// <summary>
    /// Open TCP connections (every one, HTTP, WebSocket, hub, dashboard; upgraded or not) this node keeps at once;
    /// one more is closed as soon as it is accepted. Default (unset): the open-file limit found at start less
    /// max(512, limit / 8), e.g. 3,584 at <c>ulimit -n 4096</c>; 10,000 where the limit cannot be read. Set, it must be
    /// 1 … 1,000,000 and leave that headroom below the open-file limit.
    /// </summary>
    public int? MaxConnections { get; set; }
}
