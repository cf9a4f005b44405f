using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PubSub.Core.Cluster;
using PubSub.Core.Engine.Redis;

namespace PubSub.Server.Hosting;

/// <summary>
/// <c>/health/live</c> (the process serves) and <c>/health/ready</c> (it can do its job: Redis reachable when the engine
/// is Redis), ASP.NET Core health checks with a JSON body naming each check and its duration (PROTOCOL.md §8). Open
/// without an API key, like <c>/health</c>. 200 when healthy or degraded, 503 when not.
/// </summary>
public static class HealthProbes
{
    public const string LivePath = "/health/live";

    public const string ReadyPath = "/health/ready";

    private const string LiveTag = "live";

    private const string ReadyTag = "ready";

    /// <summary>The checks: <c>process</c> for both probes; <c>redis</c> (a PING on the engine's own connection) for readiness when the engine is Redis.</summary>
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
            // The engine's connection, not a second one: ready means this node's engine can reach Redis.
            checks.AddRedis(sp => sp.GetRequiredService<RedisStore>().Connection, name: "redis", failureStatus: HealthStatus.Unhealthy, tags: [ReadyTag], timeout: TimeSpan.FromSeconds(3));
        }

        return services;
    }

    public static IEndpointRouteBuilder MapPubSubHealthChecks(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapHealthChecks(LivePath, Options(LiveTag)).AllowAnonymous();
        endpoints.MapHealthChecks(ReadyPath, Options(ReadyTag)).AllowAnonymous();
        return endpoints;
    }

    private static HealthCheckOptions Options(string tag) => new()
    {
        Predicate = check => check.Tags.Contains(tag),
        ResponseWriter = WriteAsync,
        ResultStatusCodes =
        {
            [HealthStatus.Healthy] = StatusCodes.Status200OK,
            [HealthStatus.Degraded] = StatusCodes.Status200OK,
            [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
        },
    };

    // {"status":"healthy","node":"…","duration_ms":1.2,"checks":[{"name":"redis","status":"healthy","duration_ms":0.9,"description":"…","error":"…"}]}
    private static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", Name(report.Status));
        json.WriteString("node", context.RequestServices.GetRequiredService<NodeIdentity>().Id);
        json.WriteNumber("duration_ms", Math.Round(report.TotalDuration.TotalMilliseconds, 3));
        json.WriteStartArray("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject();
            json.WriteString("name", name);
            json.WriteString("status", Name(entry.Status));
            json.WriteNumber("duration_ms", Math.Round(entry.Duration.TotalMilliseconds, 3));
            if (entry.Description is { } description)
            {
                json.WriteString("description", description);
            }

            if (entry.Exception is { } error)
            {
                json.WriteString("error", error.Message);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static string Name(HealthStatus status) => status switch
    {
        HealthStatus.Healthy => "healthy",
        HealthStatus.Degraded => "degraded",
        _ => "unhealthy",
    };
}
