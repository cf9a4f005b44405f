using PubSub.Core;
using PubSub.Core.Delivery;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Core;

/// <summary>
/// Held wake-ups (<see cref="BrokerConnection.HoldWakeups"/>): a receive loop's burst of publishes wakes each subscriber's
/// send loop once, at the burst's end, with everything queued; never later than the release, never lost.
/// </summary>
public sealed class WakeBatchTests
{
    [Fact]
    public async Task A_burst_of_publishes_wakes_each_subscriber_once_at_the_release_with_the_whole_burst()
    {
        var broker = BrokerFactory.Create();
        await broker.CreateTopicAsync("t").Within();
        var subscribers = Enumerable.Range(0, 3).Select(_ => broker.Connect(new ClientInfo("test"))).ToArray();
        foreach (var subscriber in subscribers)
        {
            await broker.SubscribeAsync(subscriber, "t", "s", ReplayRequest.None).Within();
            subscriber.Outbound.Drain(new List<OutboundFrame>()); // the subscribe's ack, if any
        }

        var waits = subscribers.Select(s => s.Outbound.WaitToReadAsync().AsTask()).ToArray();
        Assert.All(waits, w => Assert.False(w.IsCompleted));

        var publisher = broker.Connect(new ClientInfo("test"));
        publisher.HoldWakeups();
        for (var i = 0; i < 10; i++)
        {
            var receipt = broker.PublishAsync("t", BrokerFactory.Draft());
            Assert.True(receipt.IsCompleted); // in memory: the fan-out ran on this thread, inside the hold
        }

        // Queued, but no send loop woken yet.
        Assert.All(subscribers, s => Assert.Equal(10, s.Outbound.Count));
        Assert.All(waits, w => Assert.False(w.IsCompleted));

        publisher.ReleaseWakeups();
        foreach (var (subscriber, wait) in subscribers.Zip(waits))
        {
            Assert.True(await wait.Within());
            var batch = new List<OutboundFrame>();
            subscriber.Outbound.Drain(batch);
            Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), batch.Select(f => f.Message!.Seq));
        }
    }

    [Fact]
    public async Task Without_a_hold_the_first_event_wakes_the_send_loop_at_once()
    {
        var queue = new OutboundQueue(10, OverflowPolicy.DropOldest);
        var wait = queue.WaitToReadAsync().AsTask();
        queue.TryEnqueueEvent(new PublishedMessage("t", 1, "m", "1"u8.ToArray(), null, DateTimeOffset.UnixEpoch));
        Assert.True(await wait.Within());
    }

    [Fact]
    public async Task A_hold_on_one_thread_does_not_hold_another_threads_wake_ups()
    {
        var holder = new BrokerConnection("ws-1.n", 1, new ClientInfo("test"), DateTimeOffset.UnixEpoch, new QueueOptions());
        var queue = new OutboundQueue(10, OverflowPolicy.DropOldest);
        var wait = queue.WaitToReadAsync().AsTask();
        holder.HoldWakeups();
        try
        {
            await Task.Run(() => queue.TryEnqueueEvent(new PublishedMessage("t", 1, "m", "1"u8.ToArray(), null, DateTimeOffset.UnixEpoch))).Within();
            Assert.True(await wait.Within());
        }
        finally
        {
            holder.ReleaseWakeups();
        }
    }

    [Fact]
    public async Task A_completion_inside_a_hold_ends_the_reader_at_the_release()
    {
        var holder = new BrokerConnection("ws-1.n", 1, new ClientInfo("test"), DateTimeOffset.UnixEpoch, new QueueOptions());
        var queue = new OutboundQueue(10, OverflowPolicy.DropOldest);
        var wait = queue.WaitToReadAsync().AsTask();
        holder.HoldWakeups();
        queue.Complete();
        Assert.False(wait.IsCompleted);
        holder.ReleaseWakeups();
        Assert.True(await wait.Within()); // woken: the next WaitToReadAsync says the queue ended
        Assert.False(await queue.WaitToReadAsync().AsTask().Within());
    }

    [Fact]
    public async Task A_hold_left_open_across_a_yield_is_refused_not_silently_kept()
    {
        var holder = new BrokerConnection("ws-1.n", 1, new ClientInfo("test"), DateTimeOffset.UnixEpoch, new QueueOptions());
        holder.HoldWakeups();
        try
        {
            var elsewhere = await Task.Run(() => Record.Exception(holder.HoldWakeups)).Within();
            Assert.IsType<InvalidOperationException>(elsewhere);
        }
        finally
        {
            holder.ReleaseWakeups();
        }
    }
}
