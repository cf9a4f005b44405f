using System.Text.Json;
using PubSub.Core;
using PubSub.Core.Delivery;
using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Core.BrokerFactory;

namespace PubSub.Tests.Core;

public sealed class BrokerTests
{
    private readonly PubSubBroker _broker = Create();

    private static string Describe(OutboundFrame f) => f.Kind switch
    {
        OutboundKind.Event => $"event:{f.Message!.Topic}:{f.Message.Seq}",
        OutboundKind.Reply => $"reply:{f.Reply}",
        OutboundKind.TopicDeleted => $"deleted:{f.Topic}",
        _ => f.Kind.ToString(),
    };

    [Theory]
    [InlineData("orders")]
    [InlineData("a")]
    [InlineData("9lives")]
    [InlineData("sensor.room-1:temp_C")]
    public async Task Valid_names_are_accepted(string name)
    {
        var info = await _broker.CreateTopicAsync(name).Within();
        Assert.Equal(name, info.Name);
        Assert.Equal(0, info.LastSeq);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("-leading")]
    [InlineData(".dot")]
    [InlineData("has space")]
    [InlineData("slash/inside")]
    [InlineData("ünïcode")]
    [InlineData("emoji🙂")]
    public async Task Invalid_names_are_refused_with_BadRequest(string? name)
    {
        var ex = await Assert.ThrowsAsync<PubSubException>(() => _broker.CreateTopicAsync(name).AsTask()).Within();
        Assert.Equal(PubSubErrorCode.BadRequest, ex.Code);
    }

    [Fact]
    public async Task Names_longer_than_128_are_refused()
    {
        await _broker.CreateTopicAsync(new string('a', 128)).Within();
        var ex = await Assert.ThrowsAsync<PubSubException>(() => _broker.CreateTopicAsync(new string('a', 129)).AsTask()).Within();
        Assert.Equal(PubSubErrorCode.BadRequest, ex.Code);
    }

    [Fact]
    public async Task Creating_twice_is_TopicExists_and_metadata_is_kept()
    {
        using var doc = JsonDocument.Parse("{\"description\":\"d\"}");
        await _broker.CreateTopicAsync("orders", doc.RootElement).Within();
        var ex = await Assert.ThrowsAsync<PubSubException>(() => _broker.CreateTopicAsync("orders").AsTask()).Within();
        Assert.Equal(PubSubErrorCode.TopicExists, ex.Code);
        var topic = await _broker.GetTopicAsync("orders").Within();
        Assert.Equal("d", topic!.Metadata!.Value.GetProperty("description").GetString());
    }

    [Fact]
    public async Task Metadata_must_be_an_object()
    {
        using var doc = JsonDocument.Parse("[1]");
        var ex = await Assert.ThrowsAsync<PubSubException>(() => _broker.CreateTopicAsync("orders", doc.RootElement).AsTask()).Within();
        Assert.Equal(PubSubErrorCode.BadRequest, ex.Code);
    }

    [Fact]
    public async Task Publish_assigns_consecutive_seqs_and_keeps_history()
    {
        await _broker.CreateTopicAsync("orders").Within();
        var first = await _broker.PublishAsync("orders", Draft("{\"a\":1}", publisher: "p1")).Within();
        var second = await _broker.PublishAsync("orders", Draft("[2]")).Within();

        Assert.Equal(1, first.Seq);
        Assert.Equal(2, second.Seq);
        Assert.True(Guid.TryParseExact(first.Id, "D", out _));
        var page = await _broker.ReadMessagesAsync("orders", 0, 10).Within();
        Assert.Equal([2L, 1], page!.Messages.Select(m => m.Seq));
        Assert.Equal("p1", page.Messages[1].PublisherId);
        Assert.Equal(2, (await _broker.GetTopicAsync("orders").Within())!.LastSeq);
    }

    [Fact]
    public async Task Publish_to_an_unknown_topic_is_TopicNotFound_naming_the_topic()
    {
        var ex = await Assert.ThrowsAsync<PubSubException>(() => _broker.PublishAsync("ghost", Draft()).AsTask()).Within();
        Assert.Equal(PubSubErrorCode.TopicNotFound, ex.Code);
        Assert.Contains("ghost", ex.Message);
    }

    [Fact]
    public async Task AutoCreateTopics_creates_on_first_publish_and_subscribe()
    {
        var broker = Create(o => o.AutoCreateTopics = true);
        var message = await broker.PublishAsync("fresh", Draft()).Within();
        Assert.Equal(1, message.Seq);
        var connection = broker.Connect("test");
        var outcome = await broker.SubscribeAsync(connection, "other", "c").Within();
        Assert.Equal(0, outcome.Seq);
        Assert.Equal(["fresh", "other"], (await broker.ListTopicsAsync().Within()).Select(t => t.Name));
    }

    [Theory]
    [InlineData("not-a-uuid")]
    [InlineData("550e8400e29b41d4a716446655440000")] // no dashes: not the canonical form
    [InlineData("")]
    public async Task Message_ids_must_be_UUIDs(string id)
    {
        await _broker.CreateTopicAsync("orders").Within();
        var ex = await Assert.ThrowsAsync<PubSubException>(() => _broker.PublishAsync("orders", Draft(id: id)).AsTask()).Within();
        Assert.Contains("UUID", ex.Message);
    }

    [Fact]
    public async Task The_UUID_check_can_be_turned_off()
    {
        var broker = Create(o => o.RequireUuidMessageIds = false);
        await broker.CreateTopicAsync("orders").Within();
        var message = await broker.PublishAsync("orders", Draft(id: "order-42")).Within();
        Assert.Equal("order-42", message.Id);
    }

    [Fact]
    public async Task Subscribe_queues_ack_then_replay_then_live()
    {
        await _broker.CreateTopicAsync("orders").Within();
        for (var i = 0; i < 5; i++)
        {
            await _broker.PublishAsync("orders", Draft()).Within();
        }

        var connection = _broker.Connect("test");
        var outcome = await _broker.SubscribeAsync(connection, "orders", "c1", lastN: 3, ack: o => OutboundFrame.ForReply($"ack{o.Seq}")).Within();
        await _broker.PublishAsync("orders", Draft()).Within();

        Assert.Equal(5, outcome.Seq);
        Assert.Equal(3, outcome.Replayed);
        Assert.Equal(["reply:ack5", "event:orders:3", "event:orders:4", "event:orders:5", "event:orders:6"], connection.DrainNow().Select(Describe));
    }

    [Fact]
    public async Task Last_n_is_capped_at_the_history_capacity()
    {
        var broker = Create(o => o.History.Capacity = 4);
        await broker.CreateTopicAsync("orders").Within();
        for (var i = 0; i < 10; i++)
        {
            await broker.PublishAsync("orders", Draft()).Within();
        }

        var connection = broker.Connect("test");
        var outcome = await broker.SubscribeAsync(connection, "orders", "c1", lastN: int.MaxValue).Within();
        Assert.Equal(4, outcome.Replayed);
        Assert.Equal([7L, 8, 9, 10], connection.DrainNow().Select(f => f.Message!.Seq));
    }

    [Fact]
    public async Task Since_seq_replays_what_is_retained_and_reports_a_gap()
    {
        var broker = Create(o => o.History.Capacity = 5);
        await broker.CreateTopicAsync("orders").Within();
        for (var i = 0; i < 12; i++)
        {
            await broker.PublishAsync("orders", Draft()).Within();
        }

        var inRange = broker.Connect("test");
        var ok = await broker.SubscribeAsync(inRange, "orders", "c1", sinceSeq: 9).Within();
        Assert.False(ok.Gap);
        Assert.Equal([10L, 11, 12], inRange.DrainNow().Select(f => f.Message!.Seq));

        var behind = broker.Connect("test");
        var lost = await broker.SubscribeAsync(behind, "orders", "c2", sinceSeq: 2).Within();
        Assert.True(lost.Gap);
        Assert.Equal([8L, 9, 10, 11, 12], behind.DrainNow().Select(f => f.Message!.Seq));
    }

    [Theory]
    [InlineData(3, 1L, "send either last_n or since_seq, not both")]
    [InlineData(-1, null, "last_n must not be negative")]
    [InlineData(0, -1L, "since_seq must not be negative")]
    public async Task A_replay_that_contradicts_itself_is_refused_and_subscribes_nothing(int lastN, long? sinceSeq, string error)
    {
        await _broker.CreateTopicAsync("orders").Within();
        var connection = _broker.Connect("test");

        var ex = await Assert.ThrowsAsync<PubSubException>(() => _broker.SubscribeAsync(connection, "orders", "c1", lastN, sinceSeq).AsTask()).Within();

        Assert.Equal(PubSubErrorCode.BadRequest, ex.Code);
        Assert.Equal(error, ex.Message);
        Assert.Equal(0, _broker.SubscriptionCount);
    }

    [Fact]
    public async Task Subscribing_again_is_idempotent()
    {
        await _broker.CreateTopicAsync("orders").Within();
        await _broker.PublishAsync("orders", Draft()).Within();
        var connection = _broker.Connect("test");
        await _broker.SubscribeAsync(connection, "orders", "c1", lastN: 5, ack: _ => OutboundFrame.ForReply("ack")).Within();
        var again = await _broker.SubscribeAsync(connection, "orders", "c1", lastN: 5, ack: _ => OutboundFrame.ForReply("ack")).Within();
        await _broker.PublishAsync("orders", Draft()).Within();

        Assert.True(again.AlreadySubscribed);
        Assert.Equal(1, _broker.SubscriptionCount);
        Assert.Equal(["reply:ack", "event:orders:1", "reply:ack", "event:orders:2"], connection.DrainNow().Select(Describe));
    }

    [Fact]
    public async Task Nothing_of_the_topic_follows_the_unsubscribe_ack()
    {
        await _broker.CreateTopicAsync("orders").Within();
        var connection = _broker.Connect("test");
        await _broker.SubscribeAsync(connection, "orders", "c1").Within();
        await _broker.PublishAsync("orders", Draft()).Within();
        await _broker.UnsubscribeAsync(connection, "orders", OutboundFrame.ForReply("unsub-ack")).Within();
        await _broker.PublishAsync("orders", Draft()).Within();

        Assert.Equal(["event:orders:1", "reply:unsub-ack"], connection.DrainNow().Select(Describe));
        Assert.Equal(0, _broker.SubscriptionCount);
    }

    [Fact]
    public async Task Unsubscribe_needs_the_topic_but_not_a_subscription()
    {
        await _broker.CreateTopicAsync("orders").Within();
        var connection = _broker.Connect("test");
        await _broker.UnsubscribeAsync(connection, "orders", OutboundFrame.ForReply("ack")).Within();
        Assert.Equal(["reply:ack"], connection.DrainNow().Select(Describe));

        var ex = await Assert.ThrowsAsync<PubSubException>(() => _broker.UnsubscribeAsync(connection, "ghost").AsTask()).Within();
        Assert.Equal(PubSubErrorCode.TopicNotFound, ex.Code);
    }

    [Fact]
    public async Task Deleting_a_topic_notifies_and_unsubscribes_everyone_and_drops_history()
    {
        await _broker.CreateTopicAsync("orders").Within();
        await _broker.CreateTopicAsync("other").Within();
        var a = _broker.Connect("test");
        var b = _broker.Connect("test");
        await _broker.SubscribeAsync(a, "orders", "a").Within();
        await _broker.SubscribeAsync(b, "orders", "b").Within();
        await _broker.SubscribeAsync(b, "other", "b").Within();
        await _broker.PublishAsync("orders", Draft()).Within();

        Assert.True(await _broker.DeleteTopicAsync("orders").Within());
        Assert.False(await _broker.DeleteTopicAsync("orders").Within());

        Assert.Equal(["event:orders:1", "deleted:orders"], a.DrainNow().Select(Describe));
        Assert.Equal(["event:orders:1", "deleted:orders"], b.DrainNow().Select(Describe));
        Assert.Equal(["other"], b.Topics);
        Assert.Empty(a.Topics);
        Assert.Equal(1, _broker.SubscriptionCount);

        // Created again: a new life, seq from 1, no old history, no old subscribers.
        await _broker.CreateTopicAsync("orders").Within();
        Assert.Empty((await _broker.ReadMessagesAsync("orders", 0, 10).Within())!.Messages);
        Assert.Equal(1, (await _broker.PublishAsync("orders", Draft()).Within()).Seq);
        Assert.Empty(a.DrainNow());
    }

    [Fact]
    public async Task A_publisher_subscribed_to_its_topic_gets_its_own_event_before_its_ack()
    {
        await _broker.CreateTopicAsync("chat").Within();
        var connection = _broker.Connect("test");
        await _broker.SubscribeAsync(connection, "chat", "me").Within();
        await _broker.PublishAsync("chat", Draft()).Within();
        connection.Outbound.TryEnqueue(OutboundFrame.ForReply("publish-ack"));
        Assert.Equal(["event:chat:1", "reply:publish-ack"], connection.DrainNow().Select(Describe));
    }

    [Fact]
    public async Task Disconnect_removes_every_subscription_and_is_counted_in_stats()
    {
        await _broker.CreateTopicAsync("a").Within();
        await _broker.CreateTopicAsync("b").Within();
        var connection = _broker.Connect("ws", "127.0.0.1", "agent");
        await _broker.SubscribeAsync(connection, "a", "c").Within();
        await _broker.SubscribeAsync(connection, "b", "c").Within();
        var subscriber = Assert.Single(_broker.GetSubscribers("a"));
        Assert.Equal(("c", "ws", "127.0.0.1", "agent"), (subscriber.ClientId, subscriber.Transport, subscriber.ClientIp, subscriber.UserAgent));

        await _broker.PublishAsync("a", Draft()).Within();
        connection.CountDelivered(connection.DrainNow().Count);
        _broker.Disconnect(connection);
        _broker.Disconnect(connection);

        var stats = await _broker.GetStatsAsync().Within();
        Assert.Equal(0, stats.Subscriptions);
        Assert.Equal(1, stats.Published);
        Assert.Equal(1, stats.Delivered);
        Assert.Empty(stats.ConnectionsByTransport);
        Assert.Equal(1, stats.Topics.Single(t => t.Name == "a").LastSeq);
        Assert.True(connection.Outbound.IsCompleted);
    }

    [Fact]
    public async Task Stats_count_drops_per_connection_and_in_total()
    {
        var broker = Create(o => o.Queue.Capacity = 3);
        await broker.CreateTopicAsync("t").Within();
        var slow = broker.Connect("test");
        await broker.SubscribeAsync(slow, "t", "slow").Within();
        for (var i = 0; i < 10; i++)
        {
            await broker.PublishAsync("t", Draft()).Within();
        }

        Assert.Equal(7, broker.GetConnectionStats().Single().Dropped);
        Assert.Equal(7, (await broker.GetStatsAsync().Within()).Dropped);
    }

    [Fact]
    public async Task Uptime_follows_the_injected_clock()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var broker = Create(time: time);
        time.Advance(TimeSpan.FromSeconds(42));
        Assert.Equal(TimeSpan.FromSeconds(42), (await broker.GetStatsAsync().Within()).Uptime);
    }
}
