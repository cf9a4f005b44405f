namespace PubSub.Bench.Cli;

/// <summary>Which client the load generator speaks.</summary>
internal enum TransportKind
{
    /// <summary>The raw JSON WebSocket <c>/ws</c> (PROTOCOL.md §2–5).</summary>
    Ws,

    /// <summary>The SignalR hub <c>/hubs/pubsub</c> with the JSON hub protocol (§7).</summary>
    HubJson,

    /// <summary>The SignalR hub with the MessagePack hub protocol.</summary>
    HubMsgPack,

    /// <summary>A redis-server's own PUBLISH/SUBSCRIBE (the reference), over a minimal RESP client.</summary>
    Redis,
}
