using StackExchange.Redis;

namespace PubSub.Core.Engine.Redis;

/// <summary>
/// Every Redis key and channel the engine uses, in one place. Topic names are restricted to
/// <c>A-Z a-z 0-9 . _ - :</c> (<see cref="TopicNames"/>), so they need no escaping inside a key.
/// </summary>
/// <remarks>
/// <code>
/// {prefix}topics            hash   topic name → epoch of its current life (the registry)
/// {prefix}topic:{name}      hash   epoch, created (unix ms), meta (JSON or ""), seq (last assigned), last (unix ms of the last publish),
///                                  owner and owner_name (the key that created it, when auth is on), life (the epoch it was
///                                  created with: a reset changes epoch, not life)
/// {prefix}owners            hash   key id → topics that key created and that still exist (PubSub:Limits:MaxTopicsPerKey)
/// {prefix}history:{name}    list   the newest messages, oldest first, each "{seq}\n{header JSON}\n{payload}"
/// {prefix}idem:{name}/{key} string "{life}\n{seq}\n{id}": the publish that first carried idempotency key {key}, expiring
///                                  after PubSub:Publish:IdempotencyWindow; {life} is the topic hash's "life" (its first
///                                  epoch), so a key of a deleted topic's life means nothing to the next life
/// {prefix}ch:{name}         channel  "m{epoch}\n{entry}" per publish, "d{epoch}" when that life is deleted
/// {prefix}events            channel  "c{name}" created, "d{name}" deleted (topic lists on every node)
/// {prefix}nodes             zset   node id → Redis time (ms) of its last report
/// {prefix}node:{id}         string the node's last report (JSON), expiring after PubSub:Cluster:NodeTimeout
/// {prefix}probe:{instance} channel  the node's probe of its own receiving link (RedisLinkProbe), one per process
/// {prefix}ctl:{id}          channel  requests to the node ("q{request id}\n{reply node}\n{body}") and notices of its answers ("a{request id}")
/// {prefix}answer:{id}       string an answer to the request {id}, read once by the asking node, expiring after 30 s
/// </code>
/// </remarks>
internal sealed class RedisKeys(string prefix)
{
    public string Prefix { get; } = prefix;

    public RedisKey Registry { get; } = prefix + "topics";

    public RedisKey Owners { get; } = prefix + "owners";

    public RedisKey Answer(string requestId) => Prefix + "answer:" + requestId;

    public RedisChannel Events { get; } = RedisChannel.Literal(prefix + "events");

    public RedisKey Nodes { get; } = prefix + "nodes";

    public string NodeReportPrefix => Prefix + "node:";

    public RedisKey NodeReport(string id) => NodeReportPrefix + id;

    public RedisChannel Probe(string instance) => RedisChannel.Literal(Prefix + "probe:" + instance);

    public RedisChannel Control(string nodeId) => RedisChannel.Literal(Prefix + "ctl:" + nodeId);

    public RedisKey Topic(string name) => Prefix + "topic:" + name;

    public RedisKey History(string name) => Prefix + "history:" + name;

    /// <summary>An idempotency key of a topic: '/' ends the name (names never contain it), the key follows as sent.</summary>
    public RedisKey Idempotency(string name, string key) => Prefix + "idem:" + name + "/" + key;

    public RedisChannel Channel(string name) => RedisChannel.Literal(ChannelName(name));

    public string ChannelName(string name) => Prefix + "ch:" + name;

    /// <summary>The topic a topic channel belongs to, or null for any other channel.</summary>
    public string? TopicOf(string channel) =>
        channel.StartsWith(Prefix + "ch:", StringComparison.Ordinal) ? channel[(Prefix.Length + 3)..] : null;
}
