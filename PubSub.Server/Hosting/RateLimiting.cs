using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using PubSub.Server.Api;

namespace PubSub.Server.Hosting;

/// <summary>
/// Publish rate limits from <see cref="RateLimitOptions"/>, built on System.Threading.RateLimiting token
/// buckets: one per <c>/ws</c> connection (answered with <c>RATE_LIMITED</c>), and one per API key or client
/// address for REST publish (answered with 429).
/// </summary>
internal static class RateLimiting
{
    public const string PublishPolicy = "publish";

    public static IServiceCollection AddPublishRateLimiting(this IServiceCollection services)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (context, _) => new ValueTask(ApiErrors.WriteAsync(
                context.HttpContext, StatusCodes.Status429TooManyRequests, "publish rate limit exceeded", "RATE_LIMITED"));
            limiter.AddPolicy(PublishPolicy, http =>
            {
                var options = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
                if (!options.Enabled)
                {
                    return RateLimitPartition.GetNoLimiter("off");
                }

                var partition = PubSub.Core.Access.AccessKey.IdOf(http.User) ?? http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
                return RateLimitPartition.GetTokenBucketLimiter(partition, _ => BucketOptions(options));
            });
        });
        return services;
    }

    /// <summary>A limiter for one connection, or null when rate limiting is off.</summary>
    public static TokenBucketRateLimiter? ForConnection(RateLimitOptions options) =>
        options.Enabled ? new TokenBucketRateLimiter(BucketOptions(options)) : null;

    private static TokenBucketRateLimiterOptions BucketOptions(RateLimitOptions options) => new()
    {
        TokenLimit = options.Burst > 0 ? options.Burst : options.PublishesPerSecond,
        TokensPerPeriod = options.PublishesPerSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
