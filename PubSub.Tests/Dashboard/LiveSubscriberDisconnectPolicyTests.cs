using System.Text;
using PubSub.Core;
using PubSub.Dashboard.Services;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Dashboard;

/// <summary>The subscriber view's service under the Disconnect overflow policy: it says why, and can start again.</summary>
public sealed class LiveSubscriberDisconnectPolicyTests() : DashboardTestContext(o =>
{
    o.Queue.Capacity = 1;
    o.Queue.OverflowPolicy = OverflowPolicy.Disconnect;
})
{
    [Fact]
    public async Task An_overflow_ends_the_connection_with_a_reason_and_a_new_subscribe_starts_afresh()
    {
        await CreateTopicWithMessagesAsync("t", 100);

        var live = new LiveSubscriber(Broker, TimeProvider.System);
        await using var liveDisposal = live.DisposeWithin();

        // Replaying 100 events into a one-event queue overflows it at once.
        await live.SubscribeAsync("t", 100).Within();

        // The reason is set as the overflow notice is read; the subscriber's loop then leaves the broker and clears its
        // feeds: wait for all of it (each is asserted by the wait's timeout).
        await WaitUntilAsync(() => !live.IsConnected && live.DisconnectReason is not null && live.Feeds().Count == 0
            && !Broker.Connections.Any(c => c.Transport == "dashboard"));
        Assert.Contains("fell behind", live.DisconnectReason);

        await live.SubscribeAsync("t", 0).Within();
        await WaitUntilAsync(() => live.Feeds().Count == 1);
        Assert.True(live.IsConnected);
        Assert.Null(live.DisconnectReason);
    }

    [Fact]
    public async Task A_subscribe_straight_after_an_overflow_opens_a_fresh_connection()
    {
        await CreateTopicWithMessagesAsync("t", 10);

        for (var attempt = 0; attempt < 5; attempt++)
        {
            var live = new LiveSubscriber(Broker, TimeProvider.System);
            try
            {
                // The replay overflows the one-event queue within the subscribe: the broker has ended the connection when
                // it returns, while the view's loop may not have read the notice yet. Subscribing again at once must not
                // land on the ended connection.
                await live.SubscribeAsync("t", 10).Within();
                var outcome = await live.SubscribeAsync("t", 0).Within();
                Assert.False(outcome.AlreadySubscribed);

                await WaitUntilAsync(() => live.IsConnected && live.Feeds().Count == 1);
                Assert.Null(live.DisconnectReason);
                Assert.Single(Broker.Connections, c => c.Transport == "dashboard");
            }
            finally
            {
                // Bounded: two loops on one queue (the fault this test also guards against) would never let it end.
                await live.DisposeAsync().AsTask().Within();
            }
        }
    }

    private async Task CreateTopicWithMessagesAsync(string topic, int count)
    {
        await Broker.CreateTopicAsync(topic).AsTask().Within();
        var payload = Encoding.UTF8.GetBytes("{\"n\":1}");
        for (var i = 0; i < count; i++)
        {
            await Broker.PublishAsync(topic, new MessageDraft(null, payload, null)).AsTask().Within();
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(Timeouts.Short);
        while (!condition())
        {
            await Task.Delay(10, cts.Token);
        }
    }
}
