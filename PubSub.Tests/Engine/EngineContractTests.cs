using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using System.Text.Json;
using PubSub.Core;
using PubSub.Core.Delivery;
using PubSub.Core.Engine;
using PubSub.Tests.Core;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Engine;

/// <summary>
/// The engine contract (<see cref="IPubSubEngine"/>) as code: every engine derives from this class and must pass it
/// unchanged. Delivery is asynchronous in general (the Redis bus), so tests wait for what they expect, bounded.
/// Over 400 lines because the contract is one list that every engine must pass whole; each test reads on its own.
/// </summary>
public abstract partial class EngineContractTests : IAsyncLifetime
{
    private readonly List<BrokerNode> _nodes = [];

    /// <summary>A fresh node of the engine under test, sharing state with the other nodes of the same test, if the engine can.</summary>
    private protected abstract BrokerNode CreateNode(Action<PubSubOptions>? configure);

    private protected BrokerNode Node(Action<PubSubOptions>? configure = null)
    {
        var node = CreateNode(configure);
        _nodes.Add(node);
        return node;
    }

    public virtual Task InitializeAsync() => Task.CompletedTask;

    public virtual Task DisposeAsync() => Cleanup.DisposeAllAsync(_nodes);

    [SkippableFact]
    public async Task A_topic_is_created_once_with_its_metadata_and_an_epoch()
    {
        var engine = Node().Engine;
        using var meta = JsonDocument.Parse("{\"owner\":\"team-a\",\"n\":[1,2]}");
        var created = await engine.CreateTopicAsync("orders", meta.RootElement).Within();
        Assert.NotNull(created);
        Assert.Equal(0, created.LastSeq);
        Assert.False(string.IsNullOrEmpty(created.Epoch));
        Assert.Null(await engine.CreateTopicAsync("orders", null).Within());

        var read = await engine.GetTopicAsync("orders").Within();
        Assert.NotNull(read);
        Assert.Equal(created.Epoch, read.Epoch);
        Assert.Equal("team-a", read.Metadata!.Value.GetProperty("owner").GetString());
        Assert.True(Math.Abs((read.CreatedAt - DateTimeOffset.UtcNow).TotalMinutes) < 1, $"created_at {read.CreatedAt:O}");
        Assert.Null(read.LastPublishedAt);
        Assert.Null(await engine.GetTopicAsync("nope").Within());
    }

    [SkippableFact]
    public async Task A_create_stays_within_its_quota_counted_per_owner_and_a_deletion_gives_the_place_back()
    {
        var engine = Node().Engine;
        var alpha = new TopicQuota("key-alpha", "alpha", MaxTopics: 4, MaxPerOwner: 2);
        var beta = alpha with { Owner = "key-beta", OwnerName = "beta" };

        Assert.Equal("alpha", (await engine.CreateTopicAsync("a1", null, alpha).Within())!.CreatedBy);
        await engine.CreateTopicAsync("a2", null, alpha).Within();
        var perOwner = await Assert.ThrowsAsync<PubSubException>(() => engine.CreateTopicAsync("a3", null, alpha).Within());
        Assert.Equal(PubSubErrorCode.LimitExceeded, perOwner.Code);
        Assert.Contains("MaxTopicsPerKey", perOwner.Message);
        Assert.Null(await engine.CreateTopicAsync("a1", null, alpha).Within()); // a taken name is "exists", not the quota

        // Another owner still creates, up to the broker's bound, which counts every topic (owned or not).
        await engine.CreateTopicAsync("b1", null, beta).Within();
        await engine.CreateTopicAsync("host", null).Within();
        var total = await Assert.ThrowsAsync<PubSubException>(() => engine.CreateTopicAsync("b2", null, beta).Within());
        Assert.Contains("MaxTopics", total.Message);

        Assert.True(await engine.DeleteTopicAsync("a1").Within());
        Assert.Equal("alpha", (await engine.CreateTopicAsync("a3", null, alpha).Within())!.CreatedBy);
        Assert.Equal("alpha", (await engine.GetTopicAsync("a3").Within())!.CreatedBy);
        Assert.Null((await engine.GetTopicAsync("host").Within())!.CreatedBy);
    }

    [SkippableFact]
    public async Task Topics_are_listed_by_name()
    {
        var engine = Node().Engine;
        foreach (var name in new[] { "b", "a.1", "C", "a" })
        {
            await engine.CreateTopicAsync(name, null).Within();
        }

        var list = await engine.ListTopicsAsync().Within();
        Assert.Equal(["C", "a", "a.1", "b"], list.Select(t => t.Name));
    }

    [SkippableFact]
    public async Task Publish_assigns_consecutive_seqs_and_keeps_id_payload_publisher_and_epoch()
    {
        var engine = Node().Engine;
        var topic = (await engine.CreateTopicAsync("orders", null).Within())!;
        for (var i = 1; i <= 5; i++)
        {
            var m = await engine.PublishAsync("orders", $"id-{i}", BrokerFactory.Json($"{{\"i\":{i}}}"), i % 2 == 0 ? null : "p1").Within();
            Assert.NotNull(m);
            Assert.Equal(i, m.Seq);
            Assert.Equal(topic.Epoch, m.Epoch);
        }

        var info = (await engine.GetTopicAsync("orders").Within())!;
        Assert.Equal(5, info.LastSeq);
        Assert.NotNull(info.LastPublishedAt);
        var slice = (await engine.ReadHistoryAsync("orders", HistoryQuery.Last(5)).Within())!;
        Assert.Equal([1, 2, 3, 4, 5], slice.Messages.Select(m => m.Seq));
        Assert.Equal("id-3", slice.Messages[2].Id);
        Assert.Equal("{\"i\":3}", System.Text.Encoding.UTF8.GetString(slice.Messages[2].Payload.Span));
        Assert.Equal("p1", slice.Messages[2].PublisherId);
        Assert.Null(slice.Messages[1].PublisherId);
        Assert.All(slice.Messages, m => Assert.Equal(topic.Epoch, m.Epoch));
    }

    [SkippableFact]
    public async Task Every_history_query_reads_the_retained_window()
    {
        var engine = Node(o => o.History.Capacity = 5).Engine;
        await engine.CreateTopicAsync("t", null).Within();
        var empty = (await engine.ReadHistoryAsync("t", HistoryQuery.After(0)).Within())!;
        Assert.Empty(empty.Messages);
        Assert.Equal((0L, 1L, 0), (empty.LatestSeq, empty.FirstRetainedSeq, empty.RetainedCount));

        for (var i = 1; i <= 8; i++)
        {
            await engine.PublishAsync("t", $"m{i}", BrokerFactory.Json(i.ToString(System.Globalization.CultureInfo.InvariantCulture)), null).Within();
        }

        async Task<(long[] Seqs, HistorySlice Slice)> Read(HistoryQuery q)
        {
            var s = (await engine.ReadHistoryAsync("t", q).Within())!;
            return (s.Messages.Select(m => m.Seq).ToArray(), s);
        }

        var (last3, slice) = await Read(HistoryQuery.Last(3));
        Assert.Equal([6, 7, 8], last3);
        Assert.Equal((8L, 4L, 5), (slice.LatestSeq, slice.FirstRetainedSeq, slice.RetainedCount));
        Assert.Equal(new long[] { 4, 5, 6, 7, 8 }, (await Read(HistoryQuery.Last(10))).Seqs);
        Assert.Empty((await Read(HistoryQuery.Last(0))).Seqs);
        Assert.Equal(new long[] { 6, 7, 8 }, (await Read(HistoryQuery.After(5))).Seqs);
        Assert.Equal(new long[] { 4, 5, 6, 7, 8 }, (await Read(HistoryQuery.After(0))).Seqs);
        Assert.Empty((await Read(HistoryQuery.After(8))).Seqs);
        Assert.Empty((await Read(HistoryQuery.After(100))).Seqs);
        Assert.Equal(new long[] { 8, 7 }, (await Read(HistoryQuery.NewestFirst(0, 2))).Seqs);
        Assert.Equal(new long[] { 6, 5 }, (await Read(HistoryQuery.NewestFirst(2, 2))).Seqs);
        Assert.Equal(new long[] { 4 }, (await Read(HistoryQuery.NewestFirst(4, 10))).Seqs);
        Assert.Empty((await Read(HistoryQuery.NewestFirst(5, 10))).Seqs);
        Assert.Empty((await Read(HistoryQuery.NewestFirst(0, 0))).Seqs);
        Assert.Null(await engine.ReadHistoryAsync("unknown", HistoryQuery.Last(1)).Within());
    }

    [SkippableFact]
    public async Task A_history_capacity_of_zero_keeps_nothing_but_still_counts()
    {
        var engine = Node(o => o.History.Capacity = 0).Engine;
        await engine.CreateTopicAsync("t", null).Within();
        await engine.PublishAsync("t", "a", BrokerFactory.Json("1"), null).Within();
        await engine.PublishAsync("t", "b", BrokerFactory.Json("2"), null).Within();
        var slice = (await engine.ReadHistoryAsync("t", HistoryQuery.Last(10)).Within())!;
        Assert.Empty(slice.Messages);
        Assert.Equal((2L, 3L, 0), (slice.LatestSeq, slice.FirstRetainedSeq, slice.RetainedCount));
    }

    [SkippableFact]
    public async Task A_topic_created_again_starts_a_new_life_with_a_new_epoch()
    {
        var engine = Node().Engine;
        var first = (await engine.CreateTopicAsync("t", null).Within())!;
        await engine.PublishAsync("t", "a", BrokerFactory.Json("1"), null).Within();
        await engine.PublishAsync("t", "b", BrokerFactory.Json("2"), null).Within();
        Assert.True(await engine.DeleteTopicAsync("t").Within());
        Assert.False(await engine.DeleteTopicAsync("t").Within());

        var second = (await engine.CreateTopicAsync("t", null).Within())!;
        Assert.NotEqual(first.Epoch, second.Epoch);
        var slice = (await engine.ReadHistoryAsync("t", HistoryQuery.Last(10)).Within())!;
        Assert.Empty(slice.Messages);
        Assert.Equal(0, slice.LatestSeq);
        Assert.Equal(second.Epoch, slice.Epoch);
        var m = (await engine.PublishAsync("t", "c", BrokerFactory.Json("3"), null).Within())!;
        Assert.Equal(1, m.Seq);
        Assert.Equal(second.Epoch, m.Epoch);
    }

    [SkippableFact]
    public async Task Publishing_to_an_unknown_or_deleted_topic_is_refused()
    {
        var node = Node();
        Assert.Null(await node.Engine.PublishAsync("never", "a", BrokerFactory.Json("1"), null).Within());
        await node.Engine.CreateTopicAsync("gone", null).Within();
        await node.Engine.DeleteTopicAsync("gone").Within();
        Assert.Null(await node.Engine.PublishAsync("gone", "a", BrokerFactory.Json("1"), null).Within());
        Assert.Null(await node.Engine.ReadHistoryAsync("gone", HistoryQuery.Last(1)).Within());
        Assert.Null(await node.Engine.GetTopicAsync("gone").Within());
        Assert.DoesNotContain(await node.Engine.ListTopicsAsync().Within(), t => t.Name == "gone");
        var ex = await Assert.ThrowsAsync<PubSubException>(() => node.PublishAsync("gone"));
        Assert.Equal(PubSubErrorCode.TopicNotFound, ex.Code);
    }

    [SkippableFact]
    public async Task Concurrent_publishers_get_every_seq_exactly_once_and_a_subscriber_sees_them_in_order()
    {
        var node = Node(o => o.History.Capacity = 1000);
        await node.Broker.CreateTopicAsync("t").Within();
        var subscriber = await node.SubscribeAsync("t");
        const int publishers = 4, each = 50;
        var seqs = await Task.WhenAll(Enumerable.Range(0, publishers).Select(p => Task.Run(async () =>
        {
            var mine = new List<long>();
            for (var i = 0; i < each; i++)
            {
                mine.Add((await node.PublishAsync("t", $"{{\"p\":{p},\"i\":{i}}}")).Seq);
            }

            Assert.Equal(mine.Order(), mine); // one publisher's messages keep its order
            return mine;
        }))).Within(Timeouts.Long);

        Assert.Equal(Enumerable.Range(1, publishers * each).Select(i => (long)i), seqs.SelectMany(s => s).Order());
        var history = (await node.Engine.ReadHistoryAsync("t", HistoryQuery.After(0)).Within())!;
        Assert.Equal(Enumerable.Range(1, publishers * each).Select(i => (long)i), history.Messages.Select(m => m.Seq));
        var frames = await subscriber.ReadThroughSeqAsync(publishers * each);
        Assert.Equal(Enumerable.Range(1, publishers * each).Select(i => (long)i), frames.Seqs());
    }

    [SkippableFact]
    public async Task A_delete_racing_publishes_leaves_every_acked_seq_delivered_then_topic_deleted()
    {
        const int max = 100_000;
        var node = Node(o =>
        {
            o.History.Capacity = 1000;
            o.Queue.Capacity = 2 * max; // nothing dropped by the overflow policy: every ack must arrive
        });
        await node.Broker.CreateTopicAsync("t").Within();
        var subscriber = await node.SubscribeAsync("t");
        var acked = new List<long>();
        Task<bool>? deleting = null;
        while (acked.Count < max)
        {
            try
            {
                acked.Add((await node.PublishAsync("t")).Seq);
            }
            catch (PubSubException ex) when (ex.Code == PubSubErrorCode.TopicNotFound)
            {
                break;
            }

            // The delete is issued while this loop goes on publishing.
            deleting ??= acked.Count == 5 ? Task.Run(() => node.Broker.DeleteTopicAsync("t").AsTask()) : null;
        }

        Assert.True(await deleting!.Within());
        Assert.True(acked.Count < max, "the delete never stopped the publisher");
        Assert.Equal(Enumerable.Range(1, acked.Count).Select(i => (long)i), acked);
        var frames = await subscriber.ReadUntilAsync(f => f.Exists(x => x.Kind == OutboundKind.TopicDeleted));
        Assert.Equal(acked, frames.Seqs());
        Assert.Equal(OutboundKind.TopicDeleted, frames[^1].Kind);
        Assert.Equal(0, node.Broker.SubscriptionCount);
    }

    [SkippableFact]
    public async Task Subscribe_acks_then_replays_then_goes_live_with_the_epoch()
    {
        var node = Node();
        var topic = await node.Broker.CreateTopicAsync("t").Within();
        for (var i = 0; i < 3; i++)
        {
            await node.PublishAsync("t");
        }

        var connection = node.Broker.Connect("test");
        var outcome = await node.Broker.SubscribeAsync(connection, "t", "s", lastN: 2, ack: o => OutboundFrame.ForReply(o)).Within();
        Assert.Equal((3L, topic.Epoch, 2), (outcome.Seq, outcome.Epoch, outcome.Replayed));
        await node.PublishAsync("t");
        var frames = await connection.ReadThroughSeqAsync(4);
        Assert.Equal(OutboundKind.Reply, frames[0].Kind);
        Assert.Equal([2, 3, 4], frames.Seqs());
    }

    [SkippableFact]
    public async Task Since_seq_with_an_old_epoch_replays_everything_retained_with_a_gap()
    {
        var node = Node();
        var first = await node.Broker.CreateTopicAsync("t").Within();
        for (var i = 0; i < 5; i++)
        {
            await node.PublishAsync("t");
        }

        await node.Broker.DeleteTopicAsync("t").Within();
        await node.Broker.CreateTopicAsync("t").Within();
        for (var i = 0; i < 7; i++)
        {
            await node.PublishAsync("t");
        }

        // The client saw seq 5 of the first life; seq 5 of this life is a different message.
        var connection = node.Broker.Connect("test");
        var outcome = await node.Broker.SubscribeAsync(connection, "t", "s", sinceSeq: 5, epoch: first.Epoch).Within();
        Assert.True(outcome.Gap);
        Assert.Equal(7, outcome.Replayed);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7], (await connection.ReadThroughSeqAsync(7)).Seqs());

        // Same epoch: an ordinary resume.
        var again = node.Broker.Connect("test");
        var resumed = await node.Broker.SubscribeAsync(again, "t", "s", sinceSeq: 5, epoch: outcome.Epoch).Within();
        Assert.False(resumed.Gap);
        Assert.Equal([6, 7], (await again.ReadThroughSeqAsync(7)).Seqs());
    }

    [SkippableFact]
    public async Task After_unsubscribe_no_event_of_the_topic_arrives_and_the_node_stops_watching_it()
    {
        var node = Node();
        await node.Broker.CreateTopicAsync("t").Within();
        var connection = await node.SubscribeAsync("t");
        await node.PublishAsync("t");
        await connection.ReadThroughSeqAsync(1);
        await node.Broker.UnsubscribeAsync(connection, "t").Within();
        Assert.Equal(0, node.Broker.SubscriptionCount);
        await node.PublishAsync("t");

        // Subscribing again on the same connection proves the bus is carrying the topic again (seq 3 arrives),
        // and that seq 2, published while unsubscribed, never did.
        await node.Broker.SubscribeAsync(connection, "t", "s").Within();
        await node.PublishAsync("t");
        Assert.Equal([3], (await connection.ReadThroughSeqAsync(3)).Seqs());
    }

    [SkippableFact]
    public async Task Deleting_a_topic_tells_its_subscribers_and_removes_them()
    {
        var node = Node();
        await node.Broker.CreateTopicAsync("t").Within();
        var a = await node.SubscribeAsync("t");
        var b = await node.SubscribeAsync("t");
        await node.Broker.DeleteTopicAsync("t").Within();
        foreach (var connection in new[] { a, b })
        {
            var frames = await connection.ReadUntilAsync(f => f.Exists(x => x.Kind == OutboundKind.TopicDeleted));
            Assert.Equal("t", frames.Single(x => x.Kind == OutboundKind.TopicDeleted).Topic);
        }

        Assert.Equal(0, node.Broker.SubscriptionCount);
        Assert.Empty(a.Topics);
    }

    [SkippableFact]
    public async Task A_reset_moves_the_topic_to_one_new_epoch_tells_subscribers_and_delivers_what_follows()
    {
        var node = Node();
        var created = await node.Broker.CreateTopicAsync("t").Within();
        var subscriber = await node.SubscribeAsync("t");
        for (var i = 0; i < 3; i++)
        {
            await node.PublishAsync("t", $"{{\"n\":{i}}}");
        }

        Assert.Equal([1, 2, 3], (await subscriber.ReadThroughSeqAsync(3)).Seqs());

        // Seqs 2 and 3 are what the store holds since it came back (the caller says so): they follow the reset again.
        var reset = await node.Engine.ResetEpochAsync("t", created.Epoch, 1).Within();
        Assert.NotNull(reset);
        Assert.Equal(created.Epoch, reset.FromEpoch);
        Assert.NotEqual(created.Epoch, reset.Epoch);
        Assert.Equal(1, reset.Seq);
        Assert.Equal(reset, await node.Engine.ResetEpochAsync("t", created.Epoch, 0).Within()); // one move, whoever asks again
        Assert.Null(await node.Engine.ResetEpochAsync("t", "not-an-epoch", 0).Within());

        var published = await node.PublishAsync("t", "{\"n\":3}");
        Assert.Equal((4L, reset.Epoch), (published.Seq, published.Epoch));
        var frames = await subscriber.ReadThroughSeqAsync(4);
        var notice = Assert.Single(frames, f => f.Kind == OutboundKind.Reset);
        Assert.Equal((reset.Epoch, 1L), notice.Reset);
        var after = frames.SkipWhile(f => f.Kind != OutboundKind.Reset).Where(f => f.Kind == OutboundKind.Event).Select(f => f.Message!).ToList();
        Assert.Equal([2, 3, 4], after.Select(m => m.Seq));
        Assert.All(after, m => Assert.Equal(reset.Epoch, m.Epoch));

        var slice = (await node.Engine.ReadHistoryAsync("t", HistoryQuery.Last(10)).Within())!;
        Assert.Equal((reset.Epoch, created.Epoch, 1L, 4L), (slice.Epoch, slice.PreviousEpoch, slice.ResetSeq, slice.LatestSeq));
        Assert.Equal([1, 2, 3, 4], slice.Messages.Select(m => m.Seq));
    }

    [SkippableFact]
    public async Task A_resume_with_the_epoch_a_reset_replaced_replays_the_new_epoch_with_a_gap()
    {
        var node = Node();
        var created = await node.Broker.CreateTopicAsync("t").Within();
        await node.PublishAsync("t");
        await node.PublishAsync("t");
        var reset = (await node.Engine.ResetEpochAsync("t", created.Epoch, 2).Within())!;
        await node.PublishAsync("t");

        var connection = node.Broker.Connect("test");
        var outcome = await node.Broker.SubscribeAsync(connection, "t", "s", sinceSeq: 2, epoch: created.Epoch, ack: _ => OutboundFrame.ForReply("ack")).Within();
        Assert.True(outcome.Gap);
        Assert.Equal(reset.Epoch, outcome.Epoch);
        Assert.Equal([1, 2, 3], (await connection.ReadThroughSeqAsync(3)).Seqs());
    }

    [SkippableFact]
    public async Task History_is_bounded_in_bytes_as_well_as_in_messages()
    {
        var node = Node(o => o.History.MaxBytes = 4096);
        await node.Broker.CreateTopicAsync("t").Within();
        var big = "{\"pad\":\"" + new string('x', 1500) + "\"}";
        for (var i = 0; i < 5; i++)
        {
            await node.PublishAsync("t", big);
        }

        var slice = (await node.Engine.ReadHistoryAsync("t", HistoryQuery.Last(100)).Within())!;
        Assert.Equal(2, slice.RetainedCount); // 3 × ~1.6 KB > 4 KiB
        Assert.Equal([4, 5], slice.Messages.Select(m => m.Seq));
        Assert.Equal(4, slice.FirstRetainedSeq);

        var huge = "{\"pad\":\"" + new string('x', 5000) + "\"}";
        await node.PublishAsync("t", huge); // larger than the bound alone: delivered, not retained, history stays consecutive
        slice = (await node.Engine.ReadHistoryAsync("t", HistoryQuery.Last(100)).Within())!;
        Assert.Equal((0, 7L, 6L), (slice.RetainedCount, slice.FirstRetainedSeq, slice.LatestSeq));
    }
}

/// <summary>Between the engine and the fan-out: holds the engine's receiving thread at the first delivery until released, and counts deliveries.</summary>
internal sealed class StallingFanout : IDisposable
{
    private readonly ManualResetEventSlim _release = new();
    private int _delivered;

    public ManualResetEventSlim Stalled { get; } = new();

    public int Delivered => Volatile.Read(ref _delivered);

    public void Release() => _release.Set();

    public ILocalFanout Around(ILocalFanout inner) => new Wrapper(this, inner);

    public void Dispose()
    {
        _release.Set();
        _release.Dispose();
        Stalled.Dispose();
    }

    private sealed class Wrapper(StallingFanout owner, ILocalFanout inner) : ILocalFanout
    {
        public void Deliver(PublishedMessage message)
        {
            Interlocked.Increment(ref owner._delivered);
            owner.Stalled.Set();
            owner._release.Wait(TimeSpan.FromSeconds(30)); // bounded: a test that never releases fails on its own timeout
            inner.Deliver(message);
        }

        public void TopicDeleted(string topic, string epoch) => inner.TopicDeleted(topic, epoch);

        public void TopicReset(EpochReset reset) => inner.TopicReset(reset);

        public void Resync(string? topic = null) => inner.Resync(topic);
    }
}

/// <summary>The contract against the in-memory engine.</summary>
public sealed class InMemoryEngineContractTests : EngineContractTests
{
    private protected override BrokerNode CreateNode(Action<PubSubOptions>? configure) => BrokerNode.InMemory(configure);
}

/// <summary>The contract against the Redis engine: a real redis-server per class, a key prefix of its own per test.</summary>
public sealed partial class RedisEngineContractTests(RedisFixture redis) : EngineContractTests, IClassFixture<RedisFixture>
{
    private readonly string _prefix = $"test:{Guid.NewGuid():N}:";

    private protected override BrokerNode CreateNode(Action<PubSubOptions>? configure)
    {
        RedisServer.SkipUnlessAvailable();
        return BrokerNode.OnRedis(redis.Server.Configuration, _prefix, configure);
    }

    [SkippableFact]
    public async Task Scripts_survive_Redis_forgetting_them()
    {
        var node = Node();
        await node.Broker.CreateTopicAsync("t").Within();
        await node.PublishAsync("t");
        Assert.Equal("OK", await redis.Server.CliAsync("SCRIPT", "FLUSH")); // as after a restart: every cached SHA unknown
        Assert.Equal(2, (await node.PublishAsync("t")).Seq);
        Assert.Equal(2, (await node.Engine.ReadHistoryAsync("t", HistoryQuery.Last(5)).Within())!.Messages.Count);
        Assert.True(await node.Broker.DeleteTopicAsync("t").Within());
        await node.Broker.CreateTopicAsync("t").Within();
    }

    [SkippableFact]
    public async Task A_publish_to_a_store_behind_what_the_node_saw_goes_on_in_a_new_epoch_and_reuses_no_seq()
    {
        var node = Node();
        var created = await node.Broker.CreateTopicAsync("t").Within();
        var subscriber = await node.SubscribeAsync("t");
        for (var i = 0; i < 5; i++)
        {
            await node.PublishAsync("t");
        }

        await subscriber.ReadThroughSeqAsync(5);
        await RollBackAsync("t", 3); // as a restart from a snapshot taken at seq 3

        var published = await node.PublishAsync("t");
        Assert.NotEqual(created.Epoch, published.Epoch);
        Assert.Equal(4, published.Seq);
        var frames = await subscriber.ReadUntilAsync(f => f.Exists(x => x.Kind == OutboundKind.Event && x.Message!.Epoch == published.Epoch));
        Assert.Equal((published.Epoch, 3L), Assert.Single(frames, f => f.Kind == OutboundKind.Reset).Reset);
        Assert.Equal(published.Id, frames.Last(f => f.Kind == OutboundKind.Event).Message!.Id);
    }

    [SkippableFact]
    public async Task A_node_that_sees_a_delivered_seq_given_to_another_message_resets_and_delivers_it()
    {
        var watcher = Node();
        var created = await watcher.Broker.CreateTopicAsync("t").Within();
        var subscriber = await watcher.SubscribeAsync("t");
        for (var i = 0; i < 5; i++)
        {
            await watcher.PublishAsync("t");
        }

        await subscriber.ReadThroughSeqAsync(5);
        await RollBackAsync("t", 3);

        // A node that never saw the topic publishes: the store gives it seq 4, which the watcher delivered as another message.
        var fresh = Node();
        var renamed = await fresh.PublishAsync("t", "{\"after\":\"restore\"}");
        Assert.Equal((4L, created.Epoch), (renamed.Seq, renamed.Epoch));

        var frames = await subscriber.ReadUntilAsync(f => f.Exists(x => x.Kind == OutboundKind.Event && x.Message!.Id == renamed.Id));
        var reset = Assert.Single(frames, f => f.Kind == OutboundKind.Reset).Reset;
        Assert.Equal(3, reset.Seq);
        var delivered = frames.Last(f => f.Kind == OutboundKind.Event).Message!;
        Assert.Equal((reset.Epoch, 4L), (delivered.Epoch, delivered.Seq));
        Assert.NotEqual(created.Epoch, reset.Epoch);
        Assert.Equal(reset.Epoch, (await fresh.PublishAsync("t")).Epoch); // every node goes on in the one new epoch
    }

    [SkippableFact]
    public async Task Nodes_with_other_history_settings_keep_the_window_the_topic_was_created_with()
    {
        var small = Node(o => o.History.Capacity = 3);
        var large = Node(o => o.History.Capacity = 50);
        await small.Broker.CreateTopicAsync("t").Within();
        for (var i = 0; i < 10; i++)
        {
            await large.PublishAsync("t");
        }

        foreach (var node in new[] { small, large })
        {
            var slice = (await node.Engine.ReadHistoryAsync("t", HistoryQuery.Last(100)).Within())!;
            Assert.Equal([8, 9, 10], slice.Messages.Select(m => m.Seq));
        }
    }

    [SkippableFact]
    public async Task A_node_that_falls_behind_what_Redis_sends_skips_it_and_reads_it_from_history_instead_of_growing()
    {
        RedisServer.SkipUnlessAvailable();
        using var stall = new StallingFanout();
        // The subscriber's own queue holds everything: what is under test is the queue before the fan-out.
        await using var slow = BrokerNode.OnRedis(redis.Server.Configuration, _prefix, o => o.Queue.Capacity = 10_000, redis: o => o.ReceiveQueueCapacity = 1000, services: services =>
        {
            services.RemoveAll<ILocalFanout>();
            services.AddSingleton<ILocalFanout>(sp => stall.Around(sp.GetRequiredService<LocalFanout>()));
        });
        var publisher = Node(o => o.History.Capacity = 5000); // history holds all of them: what is skipped is repaired, not lost
        await publisher.Broker.CreateTopicAsync("t").Within();
        var subscriber = await slow.SubscribeAsync("t");
        const int Total = 3000;
        await publisher.PublishAsync("t");
        Assert.True(stall.Stalled.Wait(Timeouts.Long), "the first delivery never reached the fan-out"); // the receiving thread is held from here
        for (var i = 2; i <= Total; i++)
        {
            await publisher.PublishAsync("t");
        }

        stall.Release();
        var frames = await subscriber.ReadThroughSeqAsync(Total, Timeouts.Long);
        Assert.Equal(Enumerable.Range(1, Total).Select(x => (long)x), frames.Seqs()); // each once, in order
        Assert.True(stall.Delivered < Total, $"every one of the {Total} messages waited in the client's queue ({stall.Delivered} handed over): it was not bounded");
    }

    /// <summary>Makes the store hold topic <paramref name="topic"/> as it was at <paramref name="seq"/>, as a restore from an older snapshot would.</summary>
    private async Task RollBackAsync(string topic, long seq)
    {
        var latest = long.Parse(await redis.Server.CliAsync("HGET", $"{_prefix}topic:{{{topic}}}", "seq"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("OK", await redis.Server.CliAsync("LTRIM", $"{_prefix}history:{{{topic}}}", "0", (seq - latest - 1).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await redis.Server.CliAsync("HSET", $"{_prefix}topic:{{{topic}}}", "seq", seq.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [SkippableFact]
    public async Task Keys_and_channels_carry_the_prefix_so_brokers_sharing_a_Redis_stay_apart()
    {
        var node = Node();
        await using var other = BrokerNode.OnRedis(redis.Server.Configuration, $"other:{Guid.NewGuid():N}:");
        await node.Broker.CreateTopicAsync("t").Within();
        Assert.Null(await other.Broker.GetTopicAsync("t").Within());
        await other.Broker.CreateTopicAsync("t").Within();
        var subscriber = await other.SubscribeAsync("t");
        await node.PublishAsync("t");
        await other.PublishAsync("t");
        Assert.Equal([1], (await subscriber.ReadThroughSeqAsync(1)).Seqs());
        var keys = await redis.Server.CliAsync("KEYS", "*");
        Assert.All(keys.Split('\n', StringSplitOptions.RemoveEmptyEntries), k => Assert.True(k.StartsWith("test:", StringComparison.Ordinal) || k.StartsWith("other:", StringComparison.Ordinal), k));
        Assert.Contains($"{_prefix}history:{{t}}", keys);
        Assert.Empty(subscriber.DrainNow()); // the other broker's publish never reached this one's subscriber
    }
}
