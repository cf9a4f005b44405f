using PubSub.Core;

namespace PubSub.Server.Hosting;

/// <summary>One connection's buckets (<c>/ws</c>, the hub) and its key's: every request takes a token of its kind from both.</summary>
internal sealed class ConnectionLimits(ConnectionBucket? publishes, ConnectionBucket? control, string? key, RateLimiting shared)
{
    /// <summary>Takes a publish token; throws <c>RATE_LIMITED</c> when the connection or its key has none left.</summary>
    public void Publish() => Take(publishes, publish: true, "publish");

    /// <summary>Takes a control token (any request but a publish); throws <c>RATE_LIMITED</c> when none is left.</summary>
    public void Control() => Take(control, publish: false, "request");

    private void Take(ConnectionBucket? bucket, bool publish, string what)
    {
        if (bucket is not null && !bucket.TryTake())
        {
            throw new PubSubException(PubSubErrorCode.RateLimited, $"{what} rate limit of this connection exceeded; slow down");
        }

        if (!shared.TryKey(key, publish))
        {
            throw new PubSubException(PubSubErrorCode.RateLimited, $"{what} rate limit of this API key exceeded; slow down");
        }
    }
}
