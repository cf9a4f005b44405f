namespace PubSub.Core.Engine.Redis;

/// <summary>The Redis engine (scale-out), section <c>PubSub:Redis</c>. Every node with the same Redis and prefix is one broker.</summary>
public sealed class RedisEngineOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "PubSub:Redis";

    /// <summary>
    /// A StackExchange.Redis configuration string, e.g. <c>localhost:6379</c> or <c>redis1:6379,password=…,ssl=true</c>.
    /// Setting it switches the node to the Redis engine; unset (default), the node runs in memory, alone.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>
    /// Several independent Redis servers (not a Redis Cluster), each a configuration string like
    /// <see cref="Configuration"/> (<c>PubSub:Redis:Shards:0</c>, <c>…:1</c>, …), instead of <see cref="Configuration"/>.
    /// A topic lives on the shard chosen by a jump consistent hash of its name (<see cref="ShardHash"/>); the registry of
    /// topics and the nodes' reports live on the first. Every node must list the same shards in the same order: a topic
    /// found on another shard than before has lost its history (see docs/deploy.md).
    /// </summary>
    public List<string> Shards { get; set; } = [];

    /// <summary>The configuration string of each Redis the engine uses: <see cref="Configuration"/> alone, or <see cref="Shards"/>.</summary>
    internal IReadOnlyList<string> Servers => Shards.Count > 0 ? Shards : [Configuration!];

    /// <summary>
    /// Prefix of every key and channel, so that several brokers can share one Redis. Default <c>pubsub:</c>;
    /// 1–64 characters of <c>A-Z a-z 0-9 . _ - :</c>. No braces: the keys carry their own hash tags (one slot per
    /// topic on a Redis Cluster), and a brace in the prefix would pin every key to one slot.
    /// </summary>
    public string KeyPrefix { get; set; } = "pubsub:";

    /// <summary>
    /// How long a call to Redis may take before the request gets <c>UNAVAILABLE</c> (100 ms – 60 s). Default 2 s.
    /// While Redis is unreachable, calls fail at once instead.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one attempt to connect may take (100 ms – 60 s). Default 2 s; the client keeps retrying in the background.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How many Redis replicas must hold a message before its publish is acked (0 – 16). Default 0: an ack means the
    /// message is in the Redis primary's memory. Above 0, each publish is followed by Redis <c>WAIT</c> for at most half
    /// of <see cref="OperationTimeout"/>; when fewer replicas acknowledge it in time the publisher gets <c>UNAVAILABLE</c>
    /// saying the message is stored on the primary but not yet on the replicas.
    /// </summary>
    public int AckReplicas { get; set; }

    /// <summary>
    /// How often the node publishes a probe to itself over Redis to check that its receiving link (the pub/sub
    /// connection that carries every topic's events) still delivers (50 ms – 60 s). Default 1 s.
    /// </summary>
    public TimeSpan LinkProbeInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long the receiving link may stay silent, the node's own probes included, before the node reports not ready,
    /// reconnects the link and repairs from history (at least twice <see cref="LinkProbeInterval"/>, at most 10 min).
    /// Default 5 s.
    /// </summary>
    public TimeSpan LinkProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Messages of one topic that may wait between the Redis client and this node's subscribers (1,000 – 10,000,000).
    /// Default 100,000. Beyond, the node skips them and reads them from history once it has caught up: memory stays
    /// bounded, and nothing history still holds is lost (what it no longer holds is announced as a <c>gap</c>).
    /// </summary>
    public int ReceiveQueueCapacity { get; set; } = 100_000;

    /// <summary>Whether <see cref="Configuration"/> is set, i.e. the Redis engine is wanted.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Configuration) || Shards.Count > 0;
}
