namespace PubSub.Core;

/// <summary>What a subscriber's queue does when it is full.</summary>
public enum OverflowPolicy
{
    /// <summary>
    /// Drop the oldest queued events to make room; the subscriber is told once per overflow episode with a
    /// <c>SLOW_CONSUMER</c> error that says how many were dropped. The default.
    /// </summary>
    DropOldest,

    /// <summary>Discard the queue, tell the subscriber <c>SLOW_CONSUMER</c>, then close the connection (WebSocket 1008).</summary>
    Disconnect,
}

/// <summary>Broker options, bound from the <c>PubSub</c> configuration section.</summary>
public sealed class PubSubOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "PubSub";

    /// <summary>Per-connection outgoing queues.</summary>
    public QueueOptions Queue { get; set; } = new();

    /// <summary>Per-topic history.</summary>
    public HistoryOptions History { get; set; } = new();

    /// <summary>Publishing (PROTOCOL.md §2 <c>idempotency_key</c>), section <c>PubSub:Publish</c>.</summary>
    public PublishOptions Publish { get; set; } = new();

    /// <summary>Resource limits (PROTOCOL.md §4), section <c>PubSub:Limits</c>.</summary>
    public LimitOptions Limits { get; set; } = new();

    /// <summary>This node in a cluster (PROTOCOL.md §8), section <c>PubSub:Cluster</c>.</summary>
    public Cluster.ClusterOptions Cluster { get; set; } = new();

    /// <summary>Create a topic on its first publish or subscribe instead of answering <c>TOPIC_NOT_FOUND</c>. Default false.</summary>
    public bool AutoCreateTopics { get; set; }

    /// <summary>Require <c>message.id</c>, when given, to be a UUID (8-4-4-4-12 hex). Default true.</summary>
    public bool RequireUuidMessageIds { get; set; } = true;
}

/// <summary>Options of the bounded outgoing queue that every connection has.</summary>
public sealed class QueueOptions
{
    /// <summary>Events a connection may have queued before the overflow policy applies. Default 1000.</summary>
    public int Capacity { get; set; } = 1000;

    /// <summary>What happens when the queue is full. Default <see cref="OverflowPolicy.DropOldest"/>.</summary>
    public OverflowPolicy OverflowPolicy { get; set; } = OverflowPolicy.DropOldest;

    /// <summary>
    /// Payload bytes of the events a connection may have queued before the overflow policy applies, beside
    /// <see cref="Capacity"/> (whichever is reached first). An event larger than this alone is still queued when the
    /// queue holds no other event. Default 4 MiB (4194304).
    /// </summary>
    public long MaxBytes { get; set; } = 4 * 1024 * 1024;
}

/// <summary>Options of publishing: how long, and how many, idempotency keys a topic remembers.</summary>
public sealed class PublishOptions
{
    /// <summary>
    /// How long a topic remembers a publish's idempotency key: a publish with a key the topic has seen within this
    /// window publishes nothing and is answered with the first publish's seq and id (<c>duplicate</c>). With the Redis
    /// engine, one expiring key per keyed publish, shared by every node. Default 5 minutes; 1 second to 1 day.
    /// </summary>
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// In-memory engine: idempotency keys one topic remembers at most. Beyond it the oldest key is forgotten before its
    /// window ends (a repeat of it then publishes again), so a client sending endless distinct keys costs bounded
    /// memory. With the Redis engine the window alone bounds them (see the README). Default 100,000; 1 … 10,000,000.
    /// </summary>
    public int IdempotencyMaxKeysPerTopic { get; set; } = 100_000;
}

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

/// <summary>Options of the per-topic history ring.</summary>
public sealed class HistoryOptions
{
    /// <summary>
    /// Messages retained per topic for replay (<c>last_n</c>, <c>since_seq</c>) and paging. Default 100. With the Redis
    /// engine, the value of the node that creates a topic is stored with it and holds on every node.
    /// </summary>
    public int Capacity { get; set; } = 100;

    /// <summary>
    /// Bytes retained per topic at most (each message counts its payload, id and a small header): the oldest messages
    /// go first when either bound is reached; a message larger than this alone is delivered but not retained.
    /// Default 1 MiB (1,048,576); 1,024 to 1,073,741,824. Stored with the topic like <see cref="Capacity"/>.
    /// </summary>
    public long MaxBytes { get; set; } = 1 << 20;
}
