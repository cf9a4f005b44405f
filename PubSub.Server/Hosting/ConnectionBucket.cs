namespace PubSub.Server.Hosting;

/// <summary>
/// One connection's token bucket for one kind of request: <paramref name="limit"/> tokens to start with and at most,
/// <paramref name="perSecond"/> more at the end of each whole second since it was made. That is what
/// <c>TokenBucketRateLimiter</c> with automatic replenishment does, without its timer: the refill is worked out when a
/// token is taken, so an idle connection's bucket is two numbers and no timer (docs/benchmarks.md, "Idle connections
/// (round 2)").
/// </summary>
internal sealed class ConnectionBucket(int perSecond, int limit, TimeProvider time)
{
    private readonly Lock _lock = new();
    private readonly long _start = time.GetTimestamp();
    private long _seconds; // whole seconds since _start already refilled
    private long _tokens = limit;

    /// <summary>Takes a token; false when none is left this second.</summary>
    public bool TryTake()
    {
        var elapsed = (long)time.GetElapsedTime(_start).TotalSeconds;
        lock (_lock)
        {
            if (elapsed > _seconds)
            {
                _tokens = Math.Min(limit, _tokens + ((elapsed - _seconds) * perSecond));
                _seconds = elapsed;
            }

            if (_tokens == 0)
            {
                return false;
            }

            _tokens--;
            return true;
        }
    }
}
