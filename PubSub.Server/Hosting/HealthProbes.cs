using Microsoft.Extensions.Diagnostics.HealthChecks;
using PubSub.Core.Cluster;
using PubSub.Core.Hosting;
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
    /// The checks: <c>process</c> for both probes; for readiness, the engine's own (with Redis: <c>redis</c>, <c>cluster</c>,
    /// <c>redis-receiving-link</c>, <c>redis-shards</c>, <c>redis-policy</c>; see Core's <c>AddPubSubReadinessChecks</c>).
    /// </summary>
    public static IServiceCollection AddPubSubHealthChecks(this IServiceCollection services)
    {
        // The health check service logs every unhealthy probe as an error with the exception's stack trace: with a probe
        // every few seconds while Redis is away that is a stack trace every few seconds. The engine logs the lost
        // connection once, and the probe's body says why it is not ready.
        services.AddLogging(logging => logging.AddFilter("Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService", LogLevel.Critical));
        services.AddHealthChecks()
            .AddCheck("process", () => HealthCheckResult.Healthy("serving requests"), tags: [LiveTag, ReadyTag])
            .AddPubSubReadinessChecks(ReadyTag);
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
