using System.Text;
using System.Text.Json;
using PubSub.Core;
using PubSub.Core.Delivery;
using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Core.BrokerFactory;

namespace PubSub.Tests.Core;

/// <summary>Many publishers and subscribers at once, on real threads, against the real broker.</summary>
public sealed class ConcurrencyTests
{
    private static MessageDraft Numbered(int publisher, int n) =>
        new(null, Encoding.UTF8.GetBytes($"{{\"p\":{publisher},\"n\":{n}}}"), $"p{publisher}");

    private static (int P, int N) Read(PublishedMessage m)
    {
        using var doc = JsonDocument.Parse(m.Payload);
        return (doc.RootElement.GetProperty("p").GetInt32(), doc.RootElement.GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task Fan_out_loses_nothing_duplicates_nothing_and_keeps_one_order_per_topic()
    {
        const int topics = 4, publishersPerTopic = 4, perPublisher = 2_000, subscribersPerTopic = 6;
        var broker = Create(o => o.Queue.Capacity = 100_000);
        var subscribers = new List<(string Topic, BrokerConnection Connection)>();
        for (var t = 0; t < topics; t++)
        {
            await broker.CreateTopicAsync($"t{t}").Within();
            for (var s = 0; s < subscribersPerTopic; s++)
            {
                var connection = broker.Connect("test");
                await broker.SubscribeAsync(connection, $"t{t}", $"s{s}").Within();
                subscribers.Add(($"t{t}", connection));
            }
        }

        const int expected = publishersPerTopic * perPublisher;
        var readers = subscribers.Select(s => Task.Run(() => s.Connection.ReadUntilAsync(f => f.Count >= expected))).ToList();
        var publishers = Enumerable.Range(0, topics * publishersPerTopic).Select(p => Task.Run(async () =>
        {
            for (var n = 0; n < perPublisher; n++)
            {
                await broker.PublishAsync($"t{p % topics}", Numbered(p, n));
            }
        }));
        await Task.WhenAll(publishers).Within(Timeouts.Long);
        var received = await Task.WhenAll(readers).Within(Timeouts.Long);

        for (var i = 0; i < subscribers.Count; i++)
        {
            var events = received[i];
            Assert.All(events, f => Assert.Equal(OutboundKind.Event, f.Kind));
            Assert.All(events, f => Assert.Equal(subscribers[i].Topic, f.Message!.Topic)); // isolation
            Assert.Equal(Enumerable.Range(1, expected).Select(n => (long)n), events.Select(f => f.Message!.Seq)); // all, once, in seq order

            // Per-publisher FIFO: each publisher's counter only goes up.
            foreach (var group in events.Select(f => Read(f.Message!)).GroupBy(x => x.P))
            {
                Assert.Equal(Enumerable.Range(0, perPublisher), group.Select(x => x.N));
            }
        }

        // Every subscriber of a topic saw the very same sequence of message instances.
        foreach (var topic in received.Select((events, i) => (events, subscribers[i].Topic)).GroupBy(x => x.Topic))
        {
            var first = topic.First().events.Select(f => f.Message!.Id).ToList();
            Assert.All(topic, x => Assert.Equal(first, x.events.Select(f => f.Message!.Id)));
        }
    }

    [Fact]
    public async Task Replay_to_live_seam_has_no_gap_and_no_duplicate_under_concurrent_publishing()
    {
        const int publishers = 4, joiners = 24;
        var broker = Create(o =>
        {
            o.Queue.Capacity = 100_000;
            o.History.Capacity = 100_000;
        });
        await broker.CreateTopicAsync("hot").Within();

        // Publishers run until told to stop, which happens only once every subscriber has joined and more has been
        // published after the last join: so every join provably lands while publishing is under way.
        using var stop = new CancellationTokenSource();
        var published = new int[publishers];
        var publishing = Enumerable.Range(0, publishers).Select(p => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                await broker.PublishAsync("hot", Numbered(p, n));
                published[p] = n + 1;

                // In memory a publish completes synchronously: without yielding, four publishers would hold the pool's
                // threads on a small machine and the joiners would start only after the subscribers' queues overflowed.
                await Task.Yield();
            }
        })).ToList();

        async Task WaitForSeqAsync(long seq)
        {
            while ((await broker.GetTopicAsync("hot"))!.LastSeq < seq)
            {
                await Task.Yield();
            }
        }

        // Subscribers join at staggered points of the stream (each once seq has passed j * 150), half by last_n,
        // half by since_seq.
        var joins = Enumerable.Range(0, joiners).Select(j => Task.Run(async () =>
        {
            await WaitForSeqAsync(1 + (j * 150L));
            var connection = broker.Connect("test");
            var latest = (await broker.GetTopicAsync("hot"))!.LastSeq;
            var request = j % 2 == 0 ? (LastN: j * 7, SinceSeq: (long?)null) : (LastN: 0, SinceSeq: Math.Max(0, latest - (j * 5)));
            var outcome = await broker.SubscribeAsync(connection, "hot", $"j{j}", request.LastN, request.SinceSeq, ack: o => OutboundFrame.ForReply(o));
            return (request, outcome, connection);
        })).ToList();

        var joined = await Task.WhenAll(joins).Within(Timeouts.Long);
        var lastJoin = joined.Max(j => j.outcome.Seq);
        await WaitForSeqAsync(lastJoin + 100).Within(Timeouts.Long); // live traffic after the last join, too
        await stop.CancelAsync();
        await Task.WhenAll(publishing).Within(Timeouts.Long);

        // A last message after everyone joined, so every subscriber has a known end to read to.
        await broker.PublishAsync("hot", Numbered(99, 0)).Within();
        var total = published.Sum() + 1L;
        Assert.All(joined, j => Assert.InRange(j.outcome.Seq, 1, total - 101)); // joined mid-stream, not before or after it

        foreach (var (request, outcome, connection) in joined)
        {
            var frames = await connection.ReadUntilAsync(f => f.Count > 0 && f[^1].Message?.Seq == total).Within(Timeouts.Long);
            Assert.Equal(OutboundKind.Reply, frames[0].Kind); // the ack comes first
            var seqs = frames.Skip(1).Select(f => f.Message!.Seq).ToList();
            var firstExpected = request.SinceSeq is { } since ? since + 1 : outcome.Seq - Math.Min(request.LastN, outcome.Seq) + 1;
            Assert.Equal(firstExpected, seqs[0]);
            for (var i = 1; i < seqs.Count; i++)
            {
                Assert.True(seqs[i] == seqs[i - 1] + 1, $"after {seqs[i - 1]} came {seqs[i]} (outcome seq {outcome.Seq})");
            }

            Assert.Equal(total, seqs[^1]);
            Assert.Contains(seqs, seq => seq > outcome.Seq + 1 && seq < total); // live events published after it joined
            Assert.False(outcome.Gap);
        }
    }

    [Fact]
    public async Task DropOldest_drops_exactly_the_overflow_and_keeps_the_newest_in_order()
    {
        const int capacity = 50, publishers = 4, perPublisher = 500;
        var broker = Create(o => o.Queue.Capacity = capacity);
        await broker.CreateTopicAsync("t").Within();
        var stalled = broker.Connect("test");
        await broker.SubscribeAsync(stalled, "t", "stalled").Within();

        await Task.WhenAll(Enumerable.Range(0, publishers).Select(p => Task.Run(async () =>
        {
            for (var n = 0; n < perPublisher; n++)
            {
                await broker.PublishAsync("t", Numbered(p, n));
            }
        }))).Within(Timeouts.Long);

        var frames = stalled.DrainNow();
        Assert.Equal(publishers * perPublisher - capacity, stalled.Outbound.Dropped);
        Assert.Equal(OutboundKind.SlowConsumer, frames[0].Kind);
        Assert.Equal(publishers * perPublisher - capacity, frames[0].Count);
        const int total = publishers * perPublisher;
        Assert.Equal(Enumerable.Range(total - capacity + 1, capacity).Select(n => (long)n), frames.Skip(1).Select(f => f.Message!.Seq));
    }

    [Fact]
    public async Task Disconnect_policy_ends_the_stalled_connection_with_one_notice()
    {
        const int capacity = 20;
        var broker = Create(o =>
        {
            o.Queue.Capacity = capacity;
            o.Queue.OverflowPolicy = OverflowPolicy.Disconnect;
        });
        await broker.CreateTopicAsync("t").Within();
        var stalled = broker.Connect("test");
        await broker.SubscribeAsync(stalled, "t", "stalled").Within();
        var overflowed = 0;
        stalled.Outbound.Overflowed += () => Interlocked.Increment(ref overflowed);

        await Task.WhenAll(Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
        {
            for (var n = 0; n < 100; n++)
            {
                await broker.PublishAsync("t", Numbered(p, n));
            }
        }))).Within(Timeouts.Long);

        var notice = Assert.Single(stalled.DrainNow());
        Assert.True(notice.Fatal);
        Assert.Equal(capacity + 1, notice.Count);
        Assert.Equal(1, overflowed);
        Assert.Equal(capacity + 1, stalled.Outbound.Dropped);
    }
}
