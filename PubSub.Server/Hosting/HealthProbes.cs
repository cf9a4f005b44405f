using Microsoft.Extensions.Diagnostics.HealthChecks;
using PubSub.Core.Cluster;
using PubSub.Core.Engine;
using PubSub.Server.Api;

namespace PubSub.Server.Hosting;

/// <summary>
/// <c>/health/live</c> (the process serves) and <c>/health/ready</c> (it can do its job: with the Redis engine, Redis
/// reachable, this node listed in the cluster, hearing on its receiving link, and Redis's eviction policy keeping topics), ASP.NET Core health checks with a JSON body naming each check and its
/// duration (PROTOCOL.md §8), in the OpenAPI document like every route. Open
/// without an API key, like <c>/health</c>. 200 when healthy or degraded, 503 when not.
/// </summary>
public static class HealthProbes
{
    public const string LivePath = "/health/live";

    public const string ReadyPath = "/health/ready";

    private const string LiveTag = "live";

    private const string ReadyTag = "ready";

    /// <summary>
    /// The checks: <c>process</c> for both probes; for readiness when the engine is Redis, <c>redis</c> (a PING on the
    /// engine's own connection), <c>cluster</c> (the other nodes list this one with its address), <c>redis-receiving-link</c>
    /// (the node hears its own probes on the pub/sub link: <see cref="IEngineReadiness.ReceivingLinkProblem"/>), <c>redis-shards</c> (degraded
    /// while the link to a shard other than the first is deaf) and <c>redis-policy</c> (Redis's
    /// eviction policy keeps topics: <see cref="IEngineReadiness.StoreProblem"/>).
    /// </summary>
    public static IServiceCollection AddPubSubHealthChecks(this IServiceCollection services, bool redis)
    {
        // The health check service logs every unhealthy probe as an error with the exception's stack trace: with a probe
        // every few seconds while Redis is away that is a stack trace every few seconds. The engine logs the lost
        // connection once, and the probe's body says why it is not ready.
        services.AddLogging(logging => logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService", LogLevel.Critical));
        var checks = services.AddHealthChecks()
            .AddCheck("process", () => HealthCheckResult.Healthy("serving requests"), tags: [LiveTag, ReadyTag]);
        if (redis)
        {
            // The engine's connection, not a second one: ready means this node's engine can reach Redis (the first shard's
            // with several; the others' reach is the redis-shards check's).
            checks.Add(new HealthCheckRegistration("redis", sp => new RedisReachableCheck(sp.GetRequiredService<IEngineReadiness>()), HealthStatus.Unhealthy, [ReadyTag], TimeSpan.FromSeconds(3)));
            checks.Add(new HealthCheckRegistration("cluster", sp => new ClusterRegistrationCheck(sp.GetRequiredService<ClusterNode>()), HealthStatus.Unhealthy, [ReadyTag]));

            // Reaching Redis is half of it: the node must also hear on the link that carries every topic's events.
            checks.Add(new HealthCheckRegistration("redis-receiving-link", sp => new ProblemCheck(
                () => sp.GetRequiredService<IEngineReadiness>().ReceivingLinkProblem,
                "the receiving link (Redis pub/sub) delivers this node's own probes",
                "the receiving link (Redis pub/sub) is deaf: "), HealthStatus.Unhealthy, [ReadyTag]));
            checks.Add(new HealthCheckRegistration("redis-shards", sp => new ProblemCheck(
                () => sp.GetRequiredService<IEngineReadiness>().ShardLinkProblem,
                "every shard's receiving link delivers this node's own probes (or there is one Redis)",
                "a shard's receiving link is deaf, its topics are unavailable (the others are served): ",
                HealthStatus.Degraded), HealthStatus.Degraded, [ReadyTag]));
            checks.Add(new HealthCheckRegistration("redis-policy", sp => new ProblemCheck(
                () => sp.GetRequiredService<IEngineReadiness>().StoreProblem,
                "Redis's maxmemory-policy keeps the broker's keys",
                ""), HealthStatus.Unhealthy, [ReadyTag]));
        }

        return services;
    }

    /// <summary>
    /// The probes as endpoints of their own (not <c>MapHealthChecks</c>), so that they are in the OpenAPI document with
    /// their body and statuses like every other route.
    /// </summary>
    public static IEndpointRouteBuilder MapPubSubHealthChecks(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(LivePath, (HttpContext context, HealthCheckService health) => ProbeAsync(context, health, LiveTag))
            .ProbeMetadata()
            .WithSummary("Liveness probe")
            .WithDescription("200 while the process serves requests (check `process`). Open without an API key; HEAD works too.");
        endpoints.MapGet(ReadyPath, (HttpContext context, HealthCheckService health) => ProbeAsync(context, health, ReadyTag))
            .ProbeMetadata()
            .WithSummary("Readiness probe")
            .WithDescription("200 when the node can do its job; 503 when not. With the Redis engine: Redis answers a PING on the " +
                "engine's connection (check `redis`), the cluster lists this node with its address (check `cluster`), the node hears its own " +
                "probes on its receiving link (check `redis-receiving-link`) and Redis's eviction policy keeps topics (check `redis-policy`); " +
                "while the link to a shard other than the first is deaf it stays 200, degraded (check `redis-shards`). Open without an API key; HEAD works too.");
        return endpoints;
    }

    /// <summary>
    /// A PING through the engine's own connection, to whichever server the client has connected. Not a check of every
    /// configured endpoint: on a Redis Cluster the one endpoint a node was given can be a master that died and failed
    /// over, and the node still serves every slot through the others.
    /// </summary>
    private sealed class RedisReachableCheck(IEngineReadiness engine) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var (reachable, description) = await engine.PingAsync(cancellationToken);
            return reachable ? HealthCheckResult.Healthy(description) : HealthCheckResult.Unhealthy(description);
        }
    }

    /// <summary>Unhealthy (or <paramref name="failure"/>) while <paramref name="problem"/> names one, with it as the description.</summary>
    private sealed class ProblemCheck(Func<string?> problem, string healthy, string unhealthyPrefix, HealthStatus failure = HealthStatus.Unhealthy) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(problem() is { } why ? new HealthCheckResult(failure, unhealthyPrefix + why) : HealthCheckResult.Healthy(healthy));
    }

    private static RouteHandlerBuilder ProbeMetadata(this RouteHandlerBuilder probe) => probe
        .WithTags("Health")
        .Produces<HealthProbeResponse>(StatusCodes.Status200OK)
        .Produces<HealthProbeResponse>(StatusCodes.Status503ServiceUnavailable)
        .AllowAnonymous();

    private static async Task ProbeAsync(HttpContext context, HealthCheckService health, string tag)
    {
        var report = await health.CheckHealthAsync(check => check.Tags.Contains(tag), context.RequestAborted);

        // Degraded still serves: only unhealthy takes the node out (503).
        context.Response.StatusCode = report.Status == HealthStatus.Unhealthy ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status200OK;
        context.Response.Headers.CacheControl = "no-store";
        var checks = report.Entries.Select(e => new HealthCheckBody(e.Key, Name(e.Value.Status), Milliseconds(e.Value.Duration))
        {
            Description = e.Value.Description,
            Error = e.Value.Exception?.Message,
        }).ToList();
        var node = context.RequestServices.GetRequiredService<ClusterNode>().Id;
        await context.Response.WriteAsJsonAsync(new HealthProbeResponse(Name(report.Status), node, Milliseconds(report.TotalDuration), checks));
    }

    private static double Milliseconds(TimeSpan duration) => Math.Round(duration.TotalMilliseconds, 3);

    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}
