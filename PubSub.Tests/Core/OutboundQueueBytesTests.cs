using PubSub.Core;
using PubSub.Core.Delivery;

namespace PubSub.Tests.Core;

/// <summary><c>PubSub:Queue:MaxBytes</c>: the queue is bounded by its events' payload bytes beside their number.</summary>
public sealed class OutboundQueueBytesTests
{
    private static PublishedMessage Message(long seq, int bytes) => new("t", seq, seq.ToString(System.Globalization.CultureInfo.InvariantCulture), new byte[bytes], null, DateTimeOffset.UnixEpoch);

    private static List<OutboundFrame> Drain(OutboundQueue queue)
    {
        var batch = new List<OutboundFrame>();
        queue.Drain(batch);
        return batch;
    }

    [Fact]
    public void Events_up_to_MaxBytes_are_kept_and_one_more_drops_the_oldest()
    {
        var queue = new OutboundQueue(capacity: 100, OverflowPolicy.DropOldest, maxBytes: 1000);
        queue.TryEnqueueEvent(Message(1, 400));
        queue.TryEnqueueEvent(Message(2, 600)); // exactly 1000: fits
        Assert.Equal(0, queue.Dropped);

        queue.TryEnqueueEvent(Message(3, 1)); // 1001: the oldest goes
        Assert.Equal(1, queue.Dropped);
        var batch = Drain(queue);
        Assert.Equal(OutboundKind.SlowConsumer, batch[0].Kind);
        Assert.Equal([2L, 3], batch.Skip(1).Select(f => f.Message!.Seq));
    }

    [Fact]
    public void A_large_event_drops_as_many_as_it_needs_and_alone_always_fits()
    {
        var queue = new OutboundQueue(capacity: 100, OverflowPolicy.DropOldest, maxBytes: 1000);
        for (var seq = 1; seq <= 10; seq++)
        {
            queue.TryEnqueueEvent(Message(seq, 100));
        }

        queue.TryEnqueueEvent(Message(11, 950)); // needs 950: nine of the ten go
        Assert.Equal(10, queue.Dropped);
        Assert.Equal([11L], Drain(queue).Skip(1).Select(f => f.Message!.Seq));

        queue.TryEnqueueEvent(Message(12, 5000)); // larger than the bound, but alone: queued
        Assert.Equal([12L], Drain(queue).Select(f => f.Message!.Seq));
    }

    [Fact]
    public void Drained_events_give_their_bytes_back()
    {
        var queue = new OutboundQueue(capacity: 100, OverflowPolicy.DropOldest, maxBytes: 1000);
        for (var seq = 1; seq <= 30; seq++)
        {
            queue.TryEnqueueEvent(Message(seq, 500));
            if (seq % 2 == 0)
            {
                Drain(queue);
            }
        }

        Assert.Equal(0, queue.Dropped);
    }

    [Fact]
    public void Disconnect_policy_overflows_on_bytes()
    {
        var queue = new OutboundQueue(capacity: 100, OverflowPolicy.Disconnect, maxBytes: 1000);
        var overflowed = 0;
        queue.Overflowed += () => overflowed++;
        Assert.True(queue.TryEnqueueEvent(Message(1, 1000)));
        Assert.False(queue.TryEnqueueEvent(Message(2, 1)));
        Assert.Equal(1, overflowed);
        var notice = Assert.Single(Drain(queue));
        Assert.True(notice.Fatal);
        Assert.Equal(2, notice.Count);
    }
}
