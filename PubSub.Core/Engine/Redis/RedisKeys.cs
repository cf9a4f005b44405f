using StackExchange.Redis;

namespace PubSub.Core.Engine.Redis;

/// <summary>
/// Every Redis key and channel the engine uses, in one place. Topic names are restricted to
/// <c>A-Z a-z 0-9 . _ - :</c> (<see cref="PubSubBroker.IsTopicName(string?)"/>), so they need no escaping inside a key, and never contain the
/// braces of a hash tag.
/// </summary>
/// <remarks>
/// <para><b>Hash slots (Redis Cluster).</b> Every key and channel of one topic carries the topic's name as its hash tag
/// (<c>{name}</c>), so one topic lives in one slot and each of its scripts touches one slot; the keys that are not a
/// topic's (the registry, the node reports, the topic events) carry the tag <c>{nodes}</c>. No script spans two slots:
/// creating and deleting a topic is a script on the topic's slot and another on the registry's (see
/// <see cref="RedisEngine"/>). The prefix may not contain braces, or it would replace these tags and pin every key to
/// one slot (<see cref="RedisEngineOptionsValidator"/>). With several standalone servers (<c>PubSub:Redis:Shards</c>) a
/// topic's keys live on the topic's shard (<see cref="ShardHash"/>) and the <c>{nodes}</c> keys on the first.</para>
/// <code>
/// {prefix}{nodes}:topics     hash    topic name → "{life}\n{reserved at, Redis ms}": the registry, written before the topic
///                                    is created and removed after it is deleted (an entry whose topic hash is gone is
///                                    a leftover, reclaimed once older than the grace, see RedisEngine)
/// {prefix}{nodes}:owners     hash    key id → topics that key created and that still exist (PubSub:Limits:MaxTopicsPerKey)
/// {prefix}{nodes}:events     channel "c{name}" created, "d{name}" deleted (topic lists on every node)
/// {prefix}{nodes}:nodes      zset    node id → Redis time (ms) of its last report
/// {prefix}{nodes}:reports    hash    node id → its last report (JSON); forgotten with its zset entry after PubSub:Cluster:NodeTimeout
/// {prefix}topic:{name}       hash    epoch, created (unix ms), meta (JSON or ""), seq (last assigned), last (unix ms of the last
///                                    publish), owner and owner_name (the key that created it, when auth is on), life (the
///                                    epoch it was created with: a reset changes epoch, not life), cap, maxb, bytes (history bounds)
/// {prefix}history:{name}     list    the newest messages, oldest first, each "{seq}\n{header JSON}\n{payload}"
/// {prefix}idem:{name}/{key}  string  "{life}\n{seq}\n{id}": the publish that first carried idempotency key {key}, expiring
///                                    after PubSub:Publish:IdempotencyWindow; a key of a deleted topic's life means nothing to the next
/// {prefix}ch:{name}          channel "m{epoch}\n{entry}" per publish, "r{old}\n{new}\n{seq}" per reset, "d{epoch}" when that life is deleted
/// {prefix}probe:{instance}   channel the node's probe of its own receiving link (RedisLinkProbe), one per process and shard
/// {prefix}ctl:{id}           channel requests to the node ("q{request id}\n{reply node}\n{body}") and notices of its answers ("a{request id}")
/// {prefix}answer:{id}        string  an answer to the request {id}, read once by the asking node, expiring after 30 s
/// </code>
/// <para>On a Redis Cluster the channels are sharded (<c>SSUBSCRIBE</c>/<c>SPUBLISH</c>, see <see cref="RedisStore.Channel"/>),
/// so a topic's events reach only the cluster node that owns its slot and the nodes subscribed there.</para>
/// </remarks>
internal sealed class RedisKeys(string prefix)
{
    public string Prefix { get; } = prefix;

    public RedisKey Registry { get; } = prefix + "{nodes}:topics";

    public RedisKey Owners { get; } = prefix + "{nodes}:owners";

    public string Events { get; } = prefix + "{nodes}:events";

    public RedisKey Nodes { get; } = prefix + "{nodes}:nodes";

    public RedisKey Reports { get; } = prefix + "{nodes}:reports";

    public RedisKey Answer(string requestId) => Prefix + "answer:" + requestId;

    public string Probe(string instance) => Prefix + "probe:" + instance;

    public string Control(string nodeId) => Prefix + "ctl:" + nodeId;

    public RedisKey Topic(string name) => Prefix + "topic:{" + name + "}";

    public RedisKey History(string name) => Prefix + "history:{" + name + "}";

    /// <summary>An idempotency key of a topic: the name's tag ends with '}', the key follows as sent after '/'.</summary>
    public RedisKey Idempotency(string name, string key) => Prefix + "idem:{" + name + "}/" + key;

    public string ChannelName(string name) => Prefix + "ch:{" + name + "}";
}
