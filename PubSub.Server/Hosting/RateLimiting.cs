using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using PubSub.Core.Access;

namespace PubSub.Server.Hosting;

/// <summary>
/// Rate limits on every request type (PROTOCOL.md §4, "Tenants cannot starve each other"), from
/// <see cref="RateLimitOptions"/>, built on System.Threading.RateLimiting token buckets. Three kinds of request:
/// publishes (off unless configured), control requests (subscribe, unsubscribe, create, delete, ping, list, stream;
/// on by default at a level no ordinary client meets) and REST reads (topic lists and details, history pages,
/// <c>/stats</c>; likewise on by default). Each is limited per connection (<c>/ws</c>, the hub) and per API key across
/// all of that key's connections and REST calls; REST calls without a key are limited per client address.
/// Refusals are <c>RATE_LIMITED</c> (REST 429).
/// </summary>
internal sealed class RateLimiting : IDisposable
{
    public const string PublishPolicy = "publish";
    public const string ControlPolicy = "control";

    /// <summary>
    /// REST reads: a bucket of their own rather than the control one, so that a key's polling (a monitoring script
    /// reading <c>/stats</c>, a tool paging history) never spends the tokens its creates and deletes need, and the two
    /// can be tuned apart. Probes (<c>/health</c>, <c>/health/live</c>, <c>/health/ready</c>) are not limited.
    /// </summary>
    public const string ReadPolicy = "read";

    private readonly RateLimitOptions _options;
    private readonly TimeProvider _time;
    private readonly PartitionedRateLimiter<string>? _keyPublishes;
    private readonly PartitionedRateLimiter<string>? _keyControl;

    public RateLimiting(IOptions<RateLimitOptions> options, TimeProvider time)
    {
        _options = options.Value;
        _time = time;
        _keyPublishes = PerKey(_options.KeyPublishesPerSecond, _options.KeyPublishBurst);
        _keyControl = PerKey(_options.KeyControlPerSecond, _options.KeyControlBurst);
    }

    /// <summary>The limits of one connection of <paramref name="user"/>'s key.</summary>
    public ConnectionLimits ForConnection(ClaimsPrincipal? user) => new(
        Bucket(_options.PublishesPerSecond, _options.Burst),
        Bucket(_options.ControlPerSecond, _options.ControlBurst),
        IPubSubAuthorizer.KeyIdOf(user),
        this);

    public void Dispose()
    {
        _keyPublishes?.Dispose();
        _keyControl?.Dispose();
    }

    internal bool TryKey(string? key, bool publish)
    {
        var limiter = publish ? _keyPublishes : _keyControl;
        if (key is null || limiter is null)
        {
            return true;
        }

        using var lease = limiter.AttemptAcquire(key);
        return lease.IsAcquired;
    }

    internal static RateLimitPartition<string> Partition(HttpContext http, Func<RateLimitOptions, (int PerSecond, int Burst)> pick)
    {
        var (perSecond, burst) = pick(http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value);
        if (perSecond <= 0)
        {
            return RateLimitPartition.GetNoLimiter("off");
        }

        var partition = IPubSubAuthorizer.KeyIdOf(http.User) ?? http.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        return RateLimitPartition.GetTokenBucketLimiter(partition, _ => BucketOptions(perSecond, burst));
    }

    private static PartitionedRateLimiter<string>? PerKey(int perSecond, int burst) =>
        perSecond <= 0 ? null : PartitionedRateLimiter.Create<string, string>(key => RateLimitPartition.GetTokenBucketLimiter(key, _ => BucketOptions(perSecond, burst)));

    private ConnectionBucket? Bucket(int perSecond, int burst) => perSecond > 0 ? new ConnectionBucket(perSecond, burst > 0 ? burst : perSecond, _time) : null;

    private static TokenBucketRateLimiterOptions BucketOptions(int perSecond, int burst) => new()
    {
        TokenLimit = burst > 0 ? burst : perSecond,
        TokensPerPeriod = perSecond,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}
