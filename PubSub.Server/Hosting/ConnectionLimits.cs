using System.Threading.RateLimiting;
using PubSub.Core;

namespace PubSub.Server.Hosting;

/// <summary>One connection's buckets (<c>/ws</c>, the hub) and its key's: every request takes a token of its kind from both.</summary>
internal sealed class ConnectionLimits(TokenBucketRateLimiter? publishes, TokenBucketRateLimiter? control, string? key, RateLimiting shared) : IDisposable
{
    /// <summary>Takes a publish token; throws <c>RATE_LIMITED</c> when the connection or its key has none left.</summary>
    public void Publish() => Take(publishes, publish: true, "publish");

    /// <summary>Takes a control token (any request but a publish); throws <c>RATE_LIMITED</c> when none is left.</summary>
    public void Control() => Take(control, publish: false, "request");

    public void Dispose()
    {
        publishes?.Dispose();
        control?.Dispose();
    }

    private void Take(TokenBucketRateLimiter? bucket, bool publish, string what)
    {
        if (bucket is not null)
        {
            using var lease = bucket.AttemptAcquire();
            if (!lease.IsAcquired)
            {
                throw new PubSubException(PubSubErrorCode.RateLimited, $"{what} rate limit of this connection exceeded; slow down");
            }
        }

        if (!shared.TryKey(key, publish))
        {
            throw new PubSubException(PubSubErrorCode.RateLimited, $"{what} rate limit of this API key exceeded; slow down");
        }
    }
}
