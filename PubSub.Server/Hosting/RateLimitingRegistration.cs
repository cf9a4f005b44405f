using PubSub.Server.Api;

namespace PubSub.Server.Hosting;

/// <summary>Registration of <see cref="RateLimiting"/> and of its REST policies.</summary>
internal static class RateLimitingRegistration
{
    public static IServiceCollection AddPubSubRateLimiting(this IServiceCollection services)
    {
        services.AddSingleton<RateLimiting>();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (context, _) => new ValueTask(ApiErrors.WriteAsync(
                context.HttpContext, StatusCodes.Status429TooManyRequests, "rate limit exceeded; slow down", "RATE_LIMITED"));

            // REST: per API key, or per client address without one. The per-key buckets of the connections are separate
            // limiters (below); a key's REST calls and its connections are each bounded.
            limiter.AddPolicy(RateLimiting.PublishPolicy, http => RateLimiting.Partition(http, o => (o.PublishesPerSecond, o.Burst)));
            limiter.AddPolicy(RateLimiting.ControlPolicy, http => RateLimiting.Partition(http, o => (o.ControlPerSecond, o.ControlBurst)));
            limiter.AddPolicy(RateLimiting.ReadPolicy, http => RateLimiting.Partition(http, o => (o.ReadsPerSecond, o.ReadBurst)));
        });
        return services;
    }
}
