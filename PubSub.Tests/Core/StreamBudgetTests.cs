using PubSub.Core;
using PubSub.Core.Delivery;
using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Core.BrokerFactory;

namespace PubSub.Tests.Core;

/// <summary>
/// A hub connection's streams draw on its one queue budget (PROTOCOL.md §4): however many streams it opens, the events
/// and bytes queued for the connection and its streams together stay within <c>PubSub:Queue</c>, and the overflow
/// policy applies to the connection as a whole.
/// </summary>
public sealed class StreamBudgetTests
{
    private static PublishedMessage Message(long seq, int bytes = 10) =>
        new("t", seq, seq.ToString(), new byte[bytes], null, DateTimeOffset.UnixEpoch);

    private static (PubSubBroker Broker, BrokerConnection Parent, List<BrokerConnection> Streams) Family(int streams, Action<QueueOptions> queue)
    {
        var broker = Create(o => queue(o.Queue));
        var parent = broker.Connect("signalr");
        return (broker, parent, Enumerable.Range(0, streams).Select(_ => broker.ConnectStream(parent)).ToList());
    }

    private static IEnumerable<OutboundQueue> Queues(BrokerConnection parent, List<BrokerConnection> streams) => [parent.Outbound, .. streams.Select(s => s.Outbound)];

    // Nobody reads: each queue is offered `each` events of `bytes` bytes, in turn.
    private static void OfferEach(IEnumerable<OutboundQueue> queues, int each, int bytes = 10)
    {
        var seq = 0L;
        foreach (var queue in queues)
        {
            for (var i = 0; i < each; i++)
            {
                Assert.True(queue.TryEnqueueEvent(Message(++seq, bytes)));
            }
        }
    }

    [Fact]
    public void Events_queued_across_a_connection_and_its_streams_stay_within_its_capacity()
    {
        var (_, parent, streams) = Family(50, q => q.Capacity = 100);

        OfferEach(Queues(parent, streams), 100); // 51 queues, 5,100 events

        Assert.Equal(100, Queues(parent, streams).Sum(q => q.QueuedEvents));
        Assert.Equal(5000, Queues(parent, streams).Sum(q => q.Dropped)); // DropOldest: counted, reported by each queue's reader
    }

    [Fact]
    public void Bytes_queued_across_a_connection_and_its_streams_stay_within_its_byte_bound()
    {
        var (_, parent, streams) = Family(20, q => q.MaxBytes = 10_000);

        OfferEach(Queues(parent, streams), 10, bytes: 1_000);

        Assert.Equal(10, Queues(parent, streams).Sum(q => q.QueuedEvents));
        Assert.Equal(10_000, Queues(parent, streams).Sum(q => q.QueuedEventBytes()));
    }

    [Fact]
    public void A_full_budget_drops_the_oldest_of_the_queue_that_holds_the_most_so_a_quiet_stream_still_gets_its_event()
    {
        var (_, parent, streams) = Family(2, q => q.Capacity = 10);
        var (busy, quiet) = (streams[0], streams[1]);
        for (var i = 1; i <= 10; i++)
        {
            busy.Outbound.TryEnqueueEvent(Message(i));
        }

        Assert.True(quiet.Outbound.TryEnqueueEvent(Message(11)));

        Assert.Equal(1, quiet.Outbound.QueuedEvents);
        Assert.Equal(9, busy.Outbound.QueuedEvents);
        Assert.Equal(1, busy.Outbound.Dropped);
        var drained = new List<OutboundFrame>();
        busy.Outbound.Drain(drained);
        Assert.Equal(OutboundKind.SlowConsumer, drained[0].Kind); // the busy stream's reader is told of its drop
        Assert.Equal(2, drained[1].Message!.Seq); // its oldest went
        Assert.Equal(0, parent.Outbound.QueuedEvents);
    }

    [Fact]
    public void Under_Disconnect_a_spent_budget_overflows_the_whole_connection()
    {
        var (_, parent, streams) = Family(3, q => (q.Capacity, q.OverflowPolicy) = (10, OverflowPolicy.Disconnect));
        var overflowed = 0;
        parent.Outbound.Overflowed += () => overflowed++;
        for (var i = 1; i <= 10; i++)
        {
            Assert.True(streams[i % 3].Outbound.TryEnqueueEvent(Message(i)));
        }

        Assert.False(streams[0].Outbound.TryEnqueueEvent(Message(11)));

        Assert.Equal(1, overflowed); // the hub session closes the connection on it
        Assert.All(Queues(parent, streams), q => Assert.True(q.IsCompleted));
        var drained = new List<OutboundFrame>();
        parent.Outbound.Drain(drained);
        Assert.True(drained.Single() is { Kind: OutboundKind.SlowConsumer, Fatal: true });
    }

    [Fact]
    public async Task Room_comes_back_as_events_are_read_and_when_a_stream_ends()
    {
        var (broker, parent, streams) = Family(2, q => q.Capacity = 10);
        await broker.CreateTopicAsync("t").Within();
        await broker.SubscribeAsync(streams[0], "t", "c").Within();
        for (var i = 0; i < 10; i++)
        {
            await broker.PublishAsync("t", Draft()).Within();
        }

        // Read 4: 4 places back. End the stream with 6 unread, never to be read: its 6 come back too, so the parent takes 10.
        streams[0].Outbound.Drain(new List<OutboundFrame>(), 4);
        Assert.Equal(6, streams[0].Outbound.QueuedEvents);
        broker.Disconnect(streams[0]);
        for (var i = 1; i <= 10; i++)
        {
            Assert.True(parent.Outbound.TryEnqueueEvent(Message(i)));
        }

        Assert.Equal(10, parent.Outbound.QueuedEvents);
        Assert.Equal(0, parent.Outbound.Dropped);
        Assert.Equal(0, streams[0].Outbound.Dropped); // gone from the budget: no room was taken from its leftovers
    }

    [Fact]
    public void Drops_reported_from_the_streams_coalesce_into_one_notice_and_never_fill_the_connections_queue()
    {
        // A hub client that reads nothing, with streams dropping under DropOldest: each stream reports its drops on the
        // connection. Queued one by one, capacity-many reports overflowed the connection's queue and disconnected it.
        var (_, parent, _) = Family(3, q => { q.Capacity = 4; q.OverflowPolicy = OverflowPolicy.DropOldest; });
        for (var i = 0; i < 50; i++)
        {
            parent.Outbound.ReportDropped(2);
        }

        Assert.False(parent.Outbound.IsCompleted);
        var batch = new List<OutboundFrame>();
        parent.Outbound.Drain(batch);
        var notice = Assert.Single(batch);
        Assert.Equal(OutboundKind.SlowConsumer, notice.Kind);
        Assert.False(notice.Fatal);
        Assert.Equal(100, notice.Count);
    }
}
