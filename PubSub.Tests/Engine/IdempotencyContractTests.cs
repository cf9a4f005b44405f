using PubSub.Core;
using PubSub.Core.Engine;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Engine;

/// <summary>The engine contract's idempotency clause (<see cref="IPubSubEngine"/> remarks), for every engine.</summary>
public abstract partial class EngineContractTests
{
    [SkippableFact]
    public async Task A_repeated_idempotency_key_publishes_nothing_and_answers_the_first_seq_and_id()
    {
        var node = Node();
        await node.Broker.CreateTopicAsync("t").Within();
        var subscriber = await node.SubscribeAsync("t");

        var first = await node.PublishAsync("t", "{\"n\":1}", key: "order-42");
        await node.PublishAsync("t", "{\"n\":2}");
        var repeat = await node.PublishAsync("t", "{\"n\":\"again\"}", key: "order-42");
        var third = await node.PublishAsync("t", "{\"n\":3}", key: "order-43");

        Assert.False(first.Duplicate);
        Assert.True(repeat.Duplicate);
        Assert.Equal((first.Id, first.Seq), (repeat.Id, repeat.Seq));
        Assert.Equal(3, third.Seq); // the repeat took no seq
        var history = (await node.Engine.ReadHistoryAsync("t", HistoryQuery.After(0)).Within())!;
        Assert.Equal(["{\"n\":1}", "{\"n\":2}", "{\"n\":3}"], history.Messages.Select(m => System.Text.Encoding.UTF8.GetString(m.Payload.Span)));
        Assert.Equal([1, 2, 3], (await subscriber.ReadThroughSeqAsync(3)).Seqs()); // nothing delivered for the repeat
        Assert.Equal(3, node.Broker.PublishedCount);
        Assert.Equal(1, node.Broker.DuplicateCount);
    }

    [SkippableFact]
    public async Task Keys_belong_to_their_topic_and_to_its_life()
    {
        var node = Node();
        await node.Broker.CreateTopicAsync("a").Within();
        await node.Broker.CreateTopicAsync("b").Within();
        Assert.False((await node.PublishAsync("a", key: "k")).Duplicate);
        Assert.False((await node.PublishAsync("b", key: "k")).Duplicate); // another topic: its own keys

        Assert.True(await node.Broker.DeleteTopicAsync("a").Within());
        await node.Broker.CreateTopicAsync("a").Within();
        var reborn = await node.PublishAsync("a", key: "k");
        Assert.False(reborn.Duplicate); // the deleted life's keys are gone with it
        Assert.Equal(1, reborn.Seq);
        Assert.True((await node.PublishAsync("a", key: "k")).Duplicate);
    }

    [SkippableFact]
    public async Task Concurrent_publishes_with_one_key_store_exactly_one_message()
    {
        var node = Node();
        await node.Broker.CreateTopicAsync("t").Within();
        using var start = new ManualResetEventSlim();
        var racers = Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            start.Wait(Timeouts.Short);
            return await node.PublishAsync("t", $"{{\"racer\":{i}}}", key: "once");
        })).ToList();
        start.Set();
        var receipts = await Task.WhenAll(racers).Within();

        Assert.Single(receipts, r => !r.Duplicate);
        Assert.All(receipts, r => Assert.Equal((1L, receipts.Single(x => !x.Duplicate).Id), (r.Seq, r.Id)));
        Assert.Equal(1, (await node.Engine.ReadHistoryAsync("t", HistoryQuery.After(0)).Within())!.RetainedCount);
    }

    [SkippableFact]
    public async Task A_reset_keeps_the_keys_of_the_messages_the_store_still_holds()
    {
        var node = Node();
        var created = await node.Broker.CreateTopicAsync("t").Within();
        var first = await node.PublishAsync("t", key: "k");
        await node.PublishAsync("t");

        var reset = (await node.Engine.ResetEpochAsync("t", created.Epoch, 2).Within())!;
        var repeat = await node.PublishAsync("t", key: "k");

        Assert.True(repeat.Duplicate);
        Assert.Equal((first.Id, 1L, reset.Epoch), (repeat.Id, repeat.Seq, repeat.Epoch)); // seq 1 names the same message in the new epoch
    }

    [SkippableFact]
    public async Task Bad_keys_are_refused_before_the_engine()
    {
        var node = Node();
        await node.Broker.CreateTopicAsync("t").Within();
        foreach (var key in new[] { "", new string('k', PubSubBroker.IdempotencyKeyMaxLength + 1) })
        {
            var ex = await Assert.ThrowsAsync<PubSubException>(() => node.PublishAsync("t", key: key));
            Assert.Equal(PubSubErrorCode.BadRequest, ex.Code);
            Assert.Contains("1 to 128 characters", ex.Message);
        }

        Assert.False((await node.PublishAsync("t", key: new string('k', PubSubBroker.IdempotencyKeyMaxLength))).Duplicate);
        Assert.Equal(1, (await node.Engine.GetTopicAsync("t").Within())!.LastSeq);
    }
}

/// <summary>Idempotency on Redis: shared by nodes, expiring in Redis, and what a store that went back does to a key.</summary>
public sealed partial class RedisEngineContractTests
{
    [SkippableFact]
    public async Task A_key_used_on_one_node_is_a_duplicate_on_another_and_concurrent_repeats_on_both_store_one()
    {
        var a = Node();
        var b = Node();
        await a.Broker.CreateTopicAsync("t").Within();
        var subscriber = await b.SubscribeAsync("t");
        var first = await a.PublishAsync("t", key: "K");
        var repeat = await b.PublishAsync("t", key: "K");
        Assert.True(repeat.Duplicate);
        Assert.Equal((first.Id, first.Seq), (repeat.Id, repeat.Seq));

        var racers = Enumerable.Range(0, 10).Select(i => Task.Run(() => (i % 2 == 0 ? a : b).PublishAsync("t", key: "L"))).ToList();
        var receipts = await Task.WhenAll(racers).Within();
        Assert.Single(receipts, r => !r.Duplicate);
        Assert.All(receipts, r => Assert.Equal(2, r.Seq));

        await a.PublishAsync("t");
        Assert.Equal([1, 2, 3], (await subscriber.ReadThroughSeqAsync(3)).Seqs());
        Assert.Equal(3, (await a.Engine.ReadHistoryAsync("t", HistoryQuery.After(0)).Within())!.RetainedCount);
    }

    [SkippableFact]
    public async Task A_key_is_one_Redis_key_under_the_topic_expiring_after_the_window_and_unkeyed_publishes_write_none()
    {
        var node = Node(o => o.Publish.IdempotencyWindow = TimeSpan.FromSeconds(90));
        await node.Broker.CreateTopicAsync("t").Within();
        await node.PublishAsync("t");
        Assert.Equal("", await redis.Server.CliAsync("KEYS", $"{_prefix}idem:*"));

        await node.PublishAsync("t", key: "order 42/ü");
        var ttl = long.Parse(await redis.Server.CliAsync("PTTL", $"{_prefix}idem:{{t}}/order 42/ü"), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(ttl, 80_000, 90_000);
    }

    [SkippableFact]
    public async Task A_key_whose_message_the_store_lost_is_no_key_and_a_retry_stores_the_message_again()
    {
        var node = Node();
        await node.Broker.CreateTopicAsync("t").Within();
        var kept = await node.PublishAsync("t", key: "kept");
        for (var i = 0; i < 3; i++)
        {
            await node.PublishAsync("t");
        }

        var lost = await node.PublishAsync("t", key: "lost");
        Assert.Equal(5, lost.Seq);
        await RollBackAsync("t", 3); // seq 4 and 5 are gone; the key of 5 is left behind (a real restore would lose both)

        var retried = await node.PublishAsync("t", key: "lost");
        Assert.False(retried.Duplicate);
        Assert.NotEqual(lost.Epoch, retried.Epoch); // the publish that found the store behind moved the topic to a new epoch
        Assert.Equal(4, retried.Seq);
        var again = await node.PublishAsync("t", key: "kept");
        Assert.True(again.Duplicate); // seq 1 is still held, under the same seq in the new epoch
        Assert.Equal((kept.Id, 1L), (again.Id, again.Seq));
    }
}
