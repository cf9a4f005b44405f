using Microsoft.Extensions.Time.Testing;
using PubSub.Server.Hosting;

namespace PubSub.Tests.Hosting;

/// <summary>A connection's token bucket, refilled when a token is taken rather than by a timer of its own.</summary>
public sealed class ConnectionBucketTests
{
    [Fact]
    public void Starts_full_refills_per_whole_second_and_never_holds_more_than_its_limit()
    {
        var time = new FakeTimeProvider();
        var bucket = new ConnectionBucket(perSecond: 2, limit: 3, time);
        Assert.Equal([true, true, true, false], Take(bucket, 4));

        time.Advance(TimeSpan.FromMilliseconds(999));
        Assert.False(bucket.TryTake()); // not a whole second yet

        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([true, true, false], Take(bucket, 3));

        // Ten idle seconds refill it to its limit, not to 20.
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal([true, true, true, false], Take(bucket, 4));
    }

    [Fact]
    public void A_second_begun_before_a_take_counts_from_the_bucket_s_start_not_from_the_take()
    {
        var time = new FakeTimeProvider();
        var bucket = new ConnectionBucket(perSecond: 1, limit: 1, time);
        time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(bucket.TryTake());
        time.Advance(TimeSpan.FromMilliseconds(500)); // the first whole second since it was made
        Assert.True(bucket.TryTake());
        Assert.False(bucket.TryTake());
    }

    private static bool[] Take(ConnectionBucket bucket, int times) => [.. Enumerable.Range(0, times).Select(_ => bucket.TryTake())];
}
