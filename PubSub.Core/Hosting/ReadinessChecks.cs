using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PubSub.Core.Cluster;
using PubSub.Core.Engine.Redis;

namespace PubSub.Core.Hosting;

/// <summary>
/// The engine's readiness checks, registered by <see cref="PubSubServiceCollectionExtensions.AddPubSubReadinessChecks"/>:
/// with the Redis engine, <c>redis</c> (a PING on the engine's own connection), <c>cluster</c> (the other nodes list this
/// one with its address), <c>redis-receiving-link</c> (the node hears its own probes on the pub/sub link),
/// <c>redis-shards</c> (degraded while the link to a shard other than the first is deaf) and <c>redis-policy</c> (Redis's
/// eviction policy keeps topics). The in-memory engine has none: it is ready while the process serves. They live in Core
/// because they read the engine's own state, which no host should reach into.
/// </summary>
internal static class ReadinessChecks
{
    public static IEnumerable<HealthCheckRegistration> ForRedis(string[] tags) =>
    [
        // The engine's connection, not a second one: ready means this node's engine can reach Redis (the first shard's
        // with several; the others' reach is the redis-shards check's).
        new HealthCheckRegistration("redis", sp => new RedisReachableCheck(sp.GetRequiredService<RedisReadiness>()), HealthStatus.Unhealthy, tags, TimeSpan.FromSeconds(3)),
        new HealthCheckRegistration("cluster", sp => new ClusterRegistrationCheck(sp.GetRequiredService<ClusterNode>()), HealthStatus.Unhealthy, tags),

        // Reaching Redis is half of it: the node must also hear on the link that carries every topic's events.
        new HealthCheckRegistration("redis-receiving-link", sp => new ProblemCheck(
            () => sp.GetRequiredService<RedisReadiness>().ReceivingLinkProblem,
            "the receiving link (Redis pub/sub) delivers this node's own probes",
            "the receiving link (Redis pub/sub) is deaf: "), HealthStatus.Unhealthy, tags),
        new HealthCheckRegistration("redis-shards", sp => new ProblemCheck(
            () => sp.GetRequiredService<RedisReadiness>().ShardLinkProblem,
            "every shard's receiving link delivers this node's own probes (or there is one Redis)",
            "a shard's receiving link is deaf, its topics are unavailable (the others are served): ",
            HealthStatus.Degraded), HealthStatus.Degraded, tags),
        new HealthCheckRegistration("redis-policy", sp => new ProblemCheck(
            () => sp.GetRequiredService<RedisReadiness>().StoreProblem,
            "Redis's maxmemory-policy keeps the broker's keys",
            ""), HealthStatus.Unhealthy, tags),
    ];

    /// <summary>
    /// A PING through the engine's own connection, to whichever server the client has connected. Not a check of every
    /// configured endpoint: on a Redis Cluster the one endpoint a node was given can be a master that died and failed
    /// over, and the node still serves every slot through the others.
    /// </summary>
    private sealed class RedisReachableCheck(RedisReadiness engine) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var (reachable, description) = await engine.PingAsync(cancellationToken);
            return reachable ? HealthCheckResult.Healthy(description) : HealthCheckResult.Unhealthy(description);
        }
    }

    /// <summary>
    /// The other nodes list this one with its address. Until then a proxy must not send it traffic: a connection made
    /// to it would be missing from the other nodes' lists.
    /// </summary>
    private sealed class ClusterRegistrationCheck(ClusterNode cluster) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(cluster.IsRegistered
                ? HealthCheckResult.Healthy("listed in the cluster with its address")
                : HealthCheckResult.Unhealthy("not yet listed in the cluster with its address"));
    }

    /// <summary>Unhealthy (or <paramref name="failure"/>) while <paramref name="problem"/> names one, with it as the description.</summary>
    private sealed class ProblemCheck(Func<string?> problem, string healthy, string unhealthyPrefix, HealthStatus failure = HealthStatus.Unhealthy) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(problem() is { } why ? new HealthCheckResult(failure, unhealthyPrefix + why) : HealthCheckResult.Healthy(healthy));
    }
}
