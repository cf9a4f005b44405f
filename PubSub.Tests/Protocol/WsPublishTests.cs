using System.Text.Json;
using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Infrastructure.ServerFixture;

namespace PubSub.Tests.Protocol;

/// <summary>PROTOCOL.md §2–4: publish, fan-out, order, ids.</summary>
public sealed class WsPublishTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    [Fact]
    public async Task Publish_is_acked_and_reaches_every_subscriber_exactly_once_with_the_payload_intact()
    {
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        var subscribers = new List<WsClient>();
        for (var i = 0; i < 5; i++)
        {
            var s = await Server.ConnectAsync();
            await s.SubscribeAsync(topic, $"s{i}");
            subscribers.Add(s);
        }

        await using var publisher = await Server.ConnectAsync();
        var id = Guid.NewGuid().ToString();
        const string payload = "{\"order_id\":\"ORD-123\",\"amount\":\"99.50\",\"currency\":\"USD\",\"nested\":[1,2.5,null,true,{\"k\":\"ü🙂\"}]}";
        await publisher.SendTextAsync($"{{\"type\":\"publish\",\"topic\":\"{topic}\",\"client_id\":\"p1\",\"message\":{{\"id\":\"{id}\",\"payload\":{payload}}},\"request_id\":\"r-3\"}}");
        var ack = await publisher.ExpectAsync("ack");
        WireAssert.IsAck(ack, topic, "r-3");
        Assert.Equal(1, ack.GetProperty("seq").GetInt64());

        using var expected = JsonDocument.Parse(payload);
        foreach (var s in subscribers)
        {
            var ev = await s.ReceiveAsync();
            Assert.Equal(1, WireAssert.IsEvent(ev, topic));
            Assert.Equal(id, ev.GetProperty("message").GetProperty("id").GetString());
            Assert.Equal(expected.RootElement.GetRawText(), ev.GetProperty("message").GetProperty("payload").GetRawText());
            await s.ExpectSilenceAsync();
            await s.DisposeAsync();
        }
    }

    [Theory]
    [InlineData("null")]
    [InlineData("0")]
    [InlineData("\"text\"")]
    [InlineData("[]")]
    public async Task Any_JSON_value_is_a_payload(string payload)
    {
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        await using var client = await Server.ConnectAsync();
        await client.SubscribeAsync(topic);
        await client.SendTextAsync($"{{\"type\":\"publish\",\"topic\":\"{topic}\",\"message\":{{\"payload\":{payload}}}}}");
        var ev = await client.ExpectAsync("event");
        Assert.Equal(payload, ev.GetProperty("message").GetProperty("payload").GetRawText());
        Assert.True(Guid.TryParse(ev.GetProperty("message").GetProperty("id").GetString(), out _)); // assigned by the server
        await client.ExpectAsync("ack");
    }

    [Fact]
    public async Task Publish_to_an_unknown_topic_is_TOPIC_NOT_FOUND()
    {
        await using var client = await Server.ConnectAsync();
        var topic = NewTopic();
        await client.PublishAsync(topic, new { }, requestId: "r");
        WireAssert.IsError(await client.ReceiveAsync(), "TOPIC_NOT_FOUND", "r", topic);
    }

    [Theory]
    [InlineData("\"not-a-uuid\"")]
    [InlineData("\"550e8400e29b41d4a716446655440000\"")]
    [InlineData("\"\"")]
    [InlineData("12345")]
    public async Task Message_id_must_be_a_UUID(string id)
    {
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        await using var client = await Server.ConnectAsync();
        await client.SendTextAsync($"{{\"type\":\"publish\",\"topic\":\"{topic}\",\"message\":{{\"id\":{id},\"payload\":1}},\"request_id\":\"r\"}}");
        WireAssert.IsError(await client.ReceiveAsync(), "BAD_REQUEST", "r", "UUID");
    }

    [Fact]
    public async Task Any_UUID_version_is_accepted()
    {
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        await using var client = await Server.ConnectAsync();
        foreach (var id in new[] { "550e8400-e29b-41d4-a716-446655440000", "6ba7b810-9dad-11d1-80b4-00c04fd430c8", Guid.CreateVersion7().ToString(), "00000000-0000-0000-0000-000000000000" })
        {
            await client.PublishAsync(topic, 1, id: id);
            Assert.Equal(id, (await client.ExpectAsync("ack")).GetProperty("id").GetString());
        }
    }

    [Fact]
    public async Task A_publisher_subscribed_to_the_topic_receives_its_own_event()
    {
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        await using var client = await Server.ConnectAsync();
        await client.SubscribeAsync(topic);
        await client.PublishAsync(topic, new { mine = true }, requestId: "p");
        Assert.Equal(["event", "ack"], new[] { await client.ReceiveAsync(), await client.ReceiveAsync() }.Select(f => f.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task All_subscribers_see_the_same_order_and_each_publisher_keeps_its_own()
    {
        const int publishers = 4, perPublisher = 150;
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        var subscribers = new List<WsClient>();
        for (var i = 0; i < 3; i++)
        {
            var s = await Server.ConnectAsync();
            await s.SubscribeAsync(topic, $"s{i}");
            subscribers.Add(s);
        }

        await Task.WhenAll(Enumerable.Range(0, publishers).Select(async p =>
        {
            await using var publisher = await Server.ConnectAsync();
            for (var n = 0; n < perPublisher; n++)
            {
                await publisher.PublishAsync(topic, new { p, n }); // pipelined: no wait for acks
            }

            for (var n = 0; n < perPublisher; n++)
            {
                await publisher.ExpectAsync("ack");
            }
        })).Within(Timeouts.Long);

        var orders = new List<List<(long Seq, int P, int N)>>();
        foreach (var s in subscribers)
        {
            var events = new List<(long, int, int)>();
            for (var i = 0; i < publishers * perPublisher; i++)
            {
                var ev = await s.ReceiveAsync();
                var payload = ev.GetProperty("message").GetProperty("payload");
                events.Add((ev.GetProperty("seq").GetInt64(), payload.GetProperty("p").GetInt32(), payload.GetProperty("n").GetInt32()));
            }

            Assert.Equal(Enumerable.Range(1, publishers * perPublisher).Select(n => (long)n), events.Select(e => e.Item1));
            foreach (var group in events.GroupBy(e => e.Item2))
            {
                Assert.Equal(Enumerable.Range(0, perPublisher), group.Select(e => e.Item3));
            }

            orders.Add(events);
            await s.DisposeAsync();
        }

        Assert.All(orders, o => Assert.Equal(orders[0], o));
    }

    [Fact]
    public async Task REST_publish_reaches_WebSocket_subscribers()
    {
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        await using var client = await Server.ConnectAsync();
        await client.SubscribeAsync(topic);
        var id = Guid.NewGuid().ToString();
        var (status, body) = await Server.SendAsync(HttpMethod.Post, $"/api/topics/{topic}/messages/", $"{{\"id\":\"{id}\",\"payload\":{{\"via\":\"rest\"}}}}");
        Assert.Equal(201, status);
        Assert.Equal(1, body.GetProperty("seq").GetInt64());
        var ev = await client.ExpectAsync("event");
        Assert.Equal(id, ev.GetProperty("message").GetProperty("id").GetString());
        Assert.Equal("rest", ev.GetProperty("message").GetProperty("payload").GetProperty("via").GetString());
    }
}
