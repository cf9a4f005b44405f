using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PubSub.Core.Hosting;

namespace PubSub.Core.Engine.Redis;

/// <summary>
/// The Redis servers the engine uses and which of them holds what: one <see cref="RedisStore"/> (one Redis, or one
/// Redis Cluster, which routes by slot itself), or one per standalone shard (<see cref="RedisEngineOptions.Shards"/>).
/// A topic's keys and channel live on the shard <see cref="ShardHash"/> picks from its name; the registry, the node
/// reports, topic events and node-to-node channels on the first (<see cref="Home"/>).
/// </summary>
internal sealed class RedisShards : IDisposable
{
    private readonly RedisStore[] _stores;

    public RedisShards(IOptions<RedisEngineOptions> options, TimeProvider time, ILogger<RedisStore> logger, PubSubMeter meter)
    {
        var callDuration = meter.CreateLatencyHistogram("pubsub.redis.call.duration", "One call to Redis (a script, a read, a subscribe, a WAIT), from sending to its answer; tag call names which");
        var reconnects = meter.CreateCounter("pubsub.redis.reconnects", "{reconnect}", "Times the connection to Redis was restored after it was lost");
        var servers = options.Value.Servers;
        _stores = [.. servers.Select((configuration, i) => new RedisStore(options.Value, configuration, i, servers.Count, time, logger, callDuration, reconnects))];
        Keys = _stores[0].Keys;
        Options = options.Value;
    }

    public RedisEngineOptions Options { get; }

    public RedisKeys Keys { get; }

    /// <summary>Every shard, in configuration order.</summary>
    public IReadOnlyList<RedisStore> All => _stores;

    /// <summary>The first shard: the registry of topics, the node reports, topic events and node-to-node channels.</summary>
    public RedisStore Home => _stores[0];

    /// <summary>The shard that holds a topic.</summary>
    public RedisStore For(string topic) => _stores.Length == 1 ? _stores[0] : _stores[ShardHash.ShardOf(topic, _stores.Length)];

    public void Dispose()
    {
        foreach (var store in _stores)
        {
            store.Dispose();
        }
    }
}
