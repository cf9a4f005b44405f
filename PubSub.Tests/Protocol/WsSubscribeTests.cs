using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Infrastructure.ServerFixture;

namespace PubSub.Tests.Protocol;

/// <summary>PROTOCOL.md §4–5: subscribe, replay, resume, unsubscribe, topic deletion.</summary>
public sealed class WsSubscribeTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private async Task<string> TopicWithMessagesAsync(int count)
    {
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        for (var i = 1; i <= count; i++)
        {
            var (status, _) = await Server.SendAsync(HttpMethod.Post, $"/api/topics/{topic}/messages/", $"{{\"payload\":{{\"i\":{i}}}}}");
            Assert.Equal(201, status);
        }

        return topic;
    }

    [Fact]
    public async Task Subscribe_to_an_unknown_topic_is_TOPIC_NOT_FOUND_naming_it()
    {
        await using var client = await Server.ConnectAsync();
        var topic = NewTopic();
        await client.SendAsync(new { type = "subscribe", topic, client_id = "c", request_id = "r" });
        WireAssert.IsError(await client.ReceiveAsync(), "TOPIC_NOT_FOUND", "r", topic);
    }

    [Fact]
    public async Task Ack_then_last_n_replayed_oldest_first_then_live()
    {
        var topic = await TopicWithMessagesAsync(8);
        await using var client = await Server.ConnectAsync();
        var ack = await client.SubscribeAsync(topic, lastN: 3, requestId: "sub-1");
        WireAssert.IsAck(ack, topic, "sub-1");
        Assert.Equal(8, ack.GetProperty("seq").GetInt64());
        var replayed = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            replayed.Add(WireAssert.IsEvent(await client.ReceiveAsync(), topic));
        }

        Assert.Equal([6L, 7, 8], replayed);

        await using var publisher = await Server.ConnectAsync();
        await publisher.PublishAsync(topic, new { i = 9 });
        var live = await client.ReceiveAsync();
        Assert.Equal(9, WireAssert.IsEvent(live, topic));
        Assert.Equal(9, live.GetProperty("message").GetProperty("payload").GetProperty("i").GetInt32());
    }

    [Fact]
    public async Task Without_last_n_nothing_is_replayed()
    {
        var topic = await TopicWithMessagesAsync(3);
        await using var client = await Server.ConnectAsync();
        await client.SubscribeAsync(topic);
        await client.ExpectSilenceAsync();
    }

    [Fact]
    public async Task Huge_last_n_is_capped_at_the_history_capacity()
    {
        var topic = await TopicWithMessagesAsync(105);
        await using var client = await Server.ConnectAsync();
        await client.SendTextAsync($"{{\"type\":\"subscribe\",\"topic\":\"{topic}\",\"client_id\":\"c\",\"last_n\":99999999999999999999999}}");
        await client.ExpectAsync("ack");
        var seqs = new List<long>();
        for (var i = 0; i < 100; i++)
        {
            seqs.Add(WireAssert.IsEvent(await client.ReceiveAsync(), topic));
        }

        Assert.Equal(Enumerable.Range(6, 100).Select(n => (long)n), seqs);
        await client.ExpectSilenceAsync();
    }

    [Fact]
    public async Task Since_seq_resumes_after_the_given_seq()
    {
        var topic = await TopicWithMessagesAsync(5);
        await using var client = await Server.ConnectAsync();
        var ack = await client.SubscribeAsync(topic, sinceSeq: 3);
        Assert.False(ack.GetProperty("gap").GetBoolean());
        Assert.Equal(4, WireAssert.IsEvent(await client.ReceiveAsync(), topic));
        Assert.Equal(5, WireAssert.IsEvent(await client.ReceiveAsync(), topic));
        await client.ExpectSilenceAsync();
    }

    [Fact]
    public async Task Since_seq_beyond_history_acks_with_gap_true()
    {
        var topic = await TopicWithMessagesAsync(103);
        await using var client = await Server.ConnectAsync();
        var ack = await client.SubscribeAsync(topic, sinceSeq: 1);
        Assert.True(ack.GetProperty("gap").GetBoolean());
        Assert.Equal(4, WireAssert.IsEvent(await client.ReceiveAsync(), topic)); // 2 and 3 are gone
    }

    [Fact]
    public async Task Subscribing_twice_keeps_one_subscription_and_acks_again()
    {
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        await using var client = await Server.ConnectAsync();
        await client.SubscribeAsync(topic, requestId: "a");
        WireAssert.IsAck(await client.SubscribeAsync(topic, requestId: "b"), topic, "b");
        var (_, subscribers) = await Server.SendAsync(HttpMethod.Get, $"/api/topics/{topic}/subscribers/");
        Assert.Equal(1, subscribers.GetProperty("subscribers_count").GetInt32());

        await client.PublishAsync(topic, new { once = true }, requestId: "p");
        var frames = new[] { await client.ReceiveAsync(), await client.ReceiveAsync() };
        Assert.Equal(["event", "ack"], frames.Select(f => f.GetProperty("type").GetString()));
        await client.ExpectSilenceAsync();
    }

    [Fact]
    public async Task Unsubscribe_acks_and_nothing_of_the_topic_follows()
    {
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        await using var client = await Server.ConnectAsync();
        await using var publisher = await Server.ConnectAsync();
        await client.SubscribeAsync(topic);

        // Publish continuously while unsubscribing: after the ack, no event may come.
        using var stop = new CancellationTokenSource();
        var publishing = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await publisher.PublishAsync(topic, new { x = 1 });
                await publisher.ExpectAsync("ack");
            }
        });
        await client.ReceiveAsync(); // at least one live event
        await client.SendAsync(new { type = "unsubscribe", topic, client_id = "s1", request_id = "u" });
        while (true)
        {
            var frame = await client.ReceiveAsync();
            if (frame.GetProperty("type").GetString() == "ack")
            {
                WireAssert.IsAck(frame, topic, "u");
                break;
            }

            WireAssert.IsEvent(frame, topic);
        }

        await client.ExpectSilenceAsync();
        await stop.CancelAsync();
        await publishing.Within();
    }

    [Fact]
    public async Task Unsubscribe_from_an_existing_topic_without_subscription_is_acked_and_unknown_topic_is_not_found()
    {
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        await using var client = await Server.ConnectAsync();
        await client.SendAsync(new { type = "unsubscribe", topic, client_id = "c", request_id = "u1" });
        WireAssert.IsAck(await client.ReceiveAsync(), topic, "u1");
        await client.SendAsync(new { type = "unsubscribe", topic = NewTopic(), client_id = "c", request_id = "u2" });
        WireAssert.IsError(await client.ReceiveAsync(), "TOPIC_NOT_FOUND", "u2");
    }

    [Fact]
    public async Task Deleting_a_topic_tells_every_subscriber_and_keeps_their_sockets_open()
    {
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        await using var a = await Server.ConnectAsync();
        await using var b = await Server.ConnectAsync();
        await a.SubscribeAsync(topic);
        await b.SubscribeAsync(topic);

        var (status, body) = await Server.SendAsync(HttpMethod.Delete, $"/api/topics/{topic}/");
        Assert.Equal(200, status);
        Assert.Equal("deleted", body.GetProperty("status").GetString());

        foreach (var client in new[] { a, b })
        {
            var info = await client.ExpectAsync("info");
            WireAssert.HasTypeAndTs(info, "info");
            Assert.Equal("topic_deleted", info.GetProperty("msg").GetString());
            Assert.Equal(topic, info.GetProperty("topic").GetString());
            await client.SendAsync(new { type = "ping", request_id = "still-open" });
            Assert.Equal("still-open", (await client.ExpectAsync("pong")).GetProperty("request_id").GetString());
        }

        var (_, health) = await Server.SendAsync(HttpMethod.Get, $"/api/topics/{topic}/");
        Assert.Equal("Topic not found", health.GetProperty("error").GetString());
    }

    [Fact]
    public async Task A_connection_can_hold_several_subscriptions_and_each_is_isolated()
    {
        var t1 = NewTopic();
        var t2 = NewTopic();
        var t3 = NewTopic();
        foreach (var t in new[] { t1, t2, t3 })
        {
            await Server.CreateTopicAsync(t);
        }

        await using var client = await Server.ConnectAsync();
        await client.SubscribeAsync(t1);
        await client.SubscribeAsync(t2);
        await using var publisher = await Server.ConnectAsync();
        foreach (var t in new[] { t3, t1, t3, t2 })
        {
            await publisher.PublishAsync(t, new { t });
            await publisher.ExpectAsync("ack");
        }

        var topics = new[] { await client.ReceiveAsync(), await client.ReceiveAsync() }.Select(f => f.GetProperty("topic").GetString());
        Assert.Equal([t1, t2], topics);
        await client.ExpectSilenceAsync();
    }
}
