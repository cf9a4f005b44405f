namespace PubSub.Core.Engine.Redis;

/// <summary>
/// What the readiness checks (<see cref="Hosting.ReadinessChecks"/>) ask the Redis engine: can this node reach Redis,
/// hear on the link that carries every topic's events, and trust Redis to keep its keys. Each problem is null while all
/// is well, or says what is wrong in words an operator can act on. Reads are cheap (no round trip) except
/// <see cref="PingAsync"/>.
/// </summary>
internal sealed class RedisReadiness(RedisShards shards, RedisLinkProbe links, RedisPolicyCheck policy)
{
    /// <summary>
    /// A PING on the engine's own connection (the first shard's; on a Redis Cluster whichever server the client is
    /// connected to), bounded by the operation timeout. Never throws for Redis's sake: an unreachable Redis is
    /// <c>Reachable = false</c> with the reason.
    /// </summary>
    public async ValueTask<(bool Reachable, string Description)> PingAsync(CancellationToken cancellationToken = default)
    {
        var store = shards.Home;
        try
        {
            var rtt = await store.Db.PingAsync().WaitAsync(store.Options.OperationTimeout, cancellationToken);
            return (true, $"Redis at {store.Endpoint} answered a PING in {rtt.TotalMilliseconds:0.#} ms");
        }
        catch (Exception ex) when (ex is StackExchange.Redis.RedisException or TimeoutException)
        {
            // The engine logs the lost connection once; a probe every few seconds logs nothing.
            return (false, $"Redis at {store.Endpoint} does not answer: {ex.Message}");
        }
    }

    /// <summary>Why the node does not hear its own probes on the link that carries events (the first shard's); null when it does (<see cref="RedisLinkProbe"/>). Not ready while set.</summary>
    public string? ReceivingLinkProblem => links.DeafCause;

    /// <summary>Why the link to a shard other than the first is deaf; null when none is (or there is one Redis). Its topics are unavailable, the others served: degraded.</summary>
    public string? ShardLinkProblem => links.ShardDeafCause;

    /// <summary>Why Redis may drop the broker's keys (an eviction policy that evicts them, <see cref="RedisPolicyCheck"/>); null when it keeps them. Not ready while set.</summary>
    public string? StoreProblem => policy.Problem;
}
