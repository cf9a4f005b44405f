using System.Text;
using Microsoft.Extensions.DependencyInjection;
using PubSub.Core;
using PubSub.Dashboard.Services;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Dashboard;

/// <summary>The subscriber view's service: a bounded broker subscription whatever the rate.</summary>
public sealed class LiveSubscriberTests() : DashboardTestContext(o => o.Queue.Capacity = 64)
{
    [Fact]
    public async Task A_flood_stays_bounded_and_every_seq_is_either_received_or_counted_missing()
    {
        const int total = 20_000;
        await Broker.CreateTopicAsync("flood").AsTask().Within();
        var live = new LiveSubscriber(Broker, TimeProvider.System);
        await using var liveDisposal = live.DisposeWithin();
        await live.SubscribeAsync("flood", 0).Within();

        var payload = Encoding.UTF8.GetBytes("{\"reading\":1}");
        for (var i = 0; i < total; i++)
        {
            await Broker.PublishAsync("flood", new MessageDraft(null, payload, null)).AsTask().Within();
        }

        // The newest message is never dropped (drop-oldest), so the feed ends at the last seq.
        await WaitUntilAsync(() => live.Feeds().SingleOrDefault()?.LastSeq == total);
        var feed = live.Feeds().Single();
        Assert.Equal(total, feed.Received + feed.Missing);
        Assert.True(live.Messages().Count <= LiveSubscriber.Capacity);
        Assert.Equal(total, live.Messages()[0].Message.Seq);
        Assert.Equal(feed.Missing, live.Dropped);
    }

    [Fact]
    public async Task Unsubscribe_removes_the_feed_and_dispose_disconnects()
    {
        await Broker.CreateTopicAsync("t").AsTask().Within();
        var live = Services.GetRequiredService<LiveSubscriber>();
        await live.SubscribeAsync("t", 0).Within();
        await WaitUntilAsync(() => live.Feeds().Count == 1);
        Assert.Single(Broker.GetSubscribers("t"));

        await live.UnsubscribeAsync("t").Within();
        await WaitUntilAsync(() => live.Feeds().Count == 0);
        Assert.Empty(Broker.GetSubscribers("t"));

        await live.DisposeAsync().AsTask().Within();
        Assert.False(live.IsConnected);
        Assert.DoesNotContain(Broker.Connections, c => c.Transport == "dashboard");
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(Timeouts.Short);
        while (!condition())
        {
            await Task.Delay(10, cts.Token); // polls a condition (bounded), not a sleep standing in for one
        }
    }
}
