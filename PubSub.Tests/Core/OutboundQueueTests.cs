using PubSub.Core;
using PubSub.Core.Delivery;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Core;

public sealed class OutboundQueueTests
{
    private static PublishedMessage Message(long seq) => new("t", seq, Guid.NewGuid().ToString(), "1"u8.ToArray(), null, DateTimeOffset.UnixEpoch);

    [Fact]
    public void DropOldest_keeps_the_newest_events_and_counts_every_drop()
    {
        var queue = new OutboundQueue(capacity: 5, OverflowPolicy.DropOldest);
        for (var seq = 1; seq <= 12; seq++)
        {
            Assert.True(queue.TryEnqueueEvent(Message(seq)));
        }

        var batch = new List<OutboundFrame>();
        queue.Drain(batch);

        Assert.Equal(7, queue.Dropped);
        Assert.Equal(OutboundKind.SlowConsumer, batch[0].Kind);
        Assert.Equal(7, batch[0].Count);
        Assert.False(batch[0].Fatal);
        Assert.Equal([8L, 9, 10, 11, 12], batch.Skip(1).Select(f => f.Message!.Seq));
    }

    [Fact]
    public void DropOldest_reports_one_notice_per_overflow_episode()
    {
        var queue = new OutboundQueue(capacity: 2, OverflowPolicy.DropOldest);
        var batch = new List<OutboundFrame>();
        for (var seq = 1; seq <= 4; seq++)
        {
            queue.TryEnqueueEvent(Message(seq));
        }

        queue.Drain(batch);
        batch.Clear();
        queue.TryEnqueueEvent(Message(5));
        queue.Drain(batch);

        Assert.Single(batch);
        Assert.Equal(OutboundKind.Event, batch[0].Kind);
    }

    [Fact]
    public void Replies_among_events_are_never_dropped()
    {
        var queue = new OutboundQueue(capacity: 3, OverflowPolicy.DropOldest);
        queue.TryEnqueue(OutboundFrame.ForReply("ack-1"));
        queue.TryEnqueueEvent(Message(1));
        queue.TryEnqueue(OutboundFrame.ForReply("ack-2"));
        for (var seq = 2; seq <= 6; seq++)
        {
            queue.TryEnqueueEvent(Message(seq));
        }

        var batch = new List<OutboundFrame>();
        queue.Drain(batch);

        Assert.Equal(3, queue.Dropped);
        Assert.Equal(
            ["slow:3", "reply:ack-1", "reply:ack-2", "event:4", "event:5", "event:6"],
            batch.Select(f => f.Kind switch
            {
                OutboundKind.SlowConsumer => $"slow:{f.Count}",
                OutboundKind.Reply => $"reply:{f.Reply}",
                _ => $"event:{f.Message!.Seq}",
            }));
    }

    [Fact]
    public void Disconnect_policy_discards_the_queue_and_ends_with_one_fatal_notice()
    {
        var queue = new OutboundQueue(capacity: 3, OverflowPolicy.Disconnect);
        var overflowed = 0;
        queue.Overflowed += () => overflowed++;
        for (var seq = 1; seq <= 3; seq++)
        {
            Assert.True(queue.TryEnqueueEvent(Message(seq)));
        }

        Assert.False(queue.TryEnqueueEvent(Message(4)));
        Assert.False(queue.TryEnqueueEvent(Message(5)));
        Assert.False(queue.TryEnqueue(OutboundFrame.ForReply("late")));

        var batch = new List<OutboundFrame>();
        queue.Drain(batch);

        Assert.Equal(1, overflowed);
        Assert.True(queue.IsCompleted);
        var notice = Assert.Single(batch);
        Assert.Equal(OutboundKind.SlowConsumer, notice.Kind);
        Assert.True(notice.Fatal);
        Assert.Equal(4, notice.Count);
        Assert.Equal(4, queue.Dropped);
    }

    [Fact]
    public async Task A_waiting_reader_wakes_on_enqueue_and_ends_on_complete()
    {
        var queue = new OutboundQueue(capacity: 10, OverflowPolicy.DropOldest);
        var waiting = queue.WaitToReadAsync().AsTask();
        Assert.False(waiting.IsCompleted);

        queue.TryEnqueueEvent(Message(1));
        Assert.True(await waiting.Within());

        var batch = new List<OutboundFrame>();
        queue.Drain(batch);
        var second = queue.WaitToReadAsync().AsTask();
        queue.Complete(OutboundFrame.Shutdown);
        Assert.True(await second.Within());
        batch.Clear();
        queue.Drain(batch);
        Assert.Equal(OutboundKind.Shutdown, Assert.Single(batch).Kind);
        Assert.False(await queue.WaitToReadAsync().Within());
        Assert.False(queue.TryEnqueueEvent(Message(2)));
    }

    [Fact]
    public void A_client_that_never_reads_its_replies_is_overflowed_whatever_the_policy()
    {
        var queue = new OutboundQueue(capacity: 4, OverflowPolicy.DropOldest);
        for (var i = 0; i < 4; i++)
        {
            Assert.True(queue.TryEnqueue(OutboundFrame.ForReply(i)));
        }

        Assert.False(queue.TryEnqueue(OutboundFrame.ForReply("one too many")));
        var batch = new List<OutboundFrame>();
        queue.Drain(batch);
        Assert.True(Assert.Single(batch).Fatal);
    }

    [Fact]
    public async Task The_request_reader_waits_while_half_the_capacity_is_replies_and_resumes_when_they_drain()
    {
        var queue = new OutboundQueue(capacity: 4, OverflowPolicy.DropOldest);
        queue.TryEnqueue(OutboundFrame.ForReply(1));
        queue.TryEnqueueEvent(Message(1)); // events do not count
        Assert.True(queue.WaitForReplyRoomAsync().AsTask().IsCompleted);

        queue.TryEnqueue(OutboundFrame.ForReply(2));
        var waiting = queue.WaitForReplyRoomAsync().AsTask();
        Assert.False(waiting.IsCompleted);

        queue.Drain(new List<OutboundFrame>(), max: 1); // one reply left: below the pause
        await waiting.Within();
    }

    [Fact]
    public async Task A_waiting_request_reader_is_released_when_the_queue_ends()
    {
        var queue = new OutboundQueue(capacity: 2, OverflowPolicy.DropOldest);
        queue.TryEnqueue(OutboundFrame.ForReply(1));
        var waiting = queue.WaitForReplyRoomAsync().AsTask();
        Assert.False(waiting.IsCompleted);

        queue.Complete();
        await waiting.Within();
        Assert.True(queue.WaitForReplyRoomAsync().AsTask().IsCompleted);
    }

    [Fact]
    public async Task Concurrent_writers_lose_nothing_below_capacity()
    {
        const int writers = 8, perWriter = 5_000;
        var queue = new OutboundQueue(capacity: writers * perWriter, OverflowPolicy.DropOldest);
        var received = new List<OutboundFrame>();
        var reader = Task.Run(async () =>
        {
            while (await queue.WaitToReadAsync())
            {
                queue.Drain(received);
            }
        });

        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < perWriter; i++)
            {
                queue.TryEnqueueEvent(Message((w * perWriter) + i));
            }
        }))).Within(Timeouts.Long);
        queue.Complete();
        await reader.Within(Timeouts.Long);

        Assert.Equal(writers * perWriter, received.Count);
        Assert.Equal(writers * perWriter, received.Select(f => f.Message!.Seq).Distinct().Count());
        Assert.Equal(0, queue.Dropped);
    }
}
