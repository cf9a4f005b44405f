namespace PubSub.Core.Engine.Redis;

/// <summary>
/// The Redis engine's answers to readiness probes: a PING on the engine's own connection (the first shard's; on a
/// Redis Cluster whichever server the client is connected to), the receiving links (<see cref="RedisLinkProbe"/>)
/// and the eviction policy (<see cref="RedisPolicyCheck"/>).
/// </summary>
internal sealed class RedisReadiness(RedisShards shards, RedisLinkProbe links, RedisPolicyCheck policy) : IEngineReadiness
{
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

    public string? ReceivingLinkProblem => links.DeafCause;

    public string? ShardLinkProblem => links.ShardDeafCause;

    public string? StoreProblem => policy.Problem;
}
