using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Infrastructure.ServerFixture;

namespace PubSub.Tests.Protocol.Seed;

/// <summary>Every row of PROTOCOL.md §9 over real sockets, on a server with <c>PubSub:WebSocket:Dialect=Seed</c>.</summary>
public sealed class SeedFrameTests(SeedServerFixture fixture) : IClassFixture<SeedServerFixture>
{
    private TestServer Server => fixture.Server;

    [Theory]
    [InlineData("/ws")]
    [InlineData("/ws/")]
    public async Task On_connect_the_first_frame_is_connected_with_a_uuid_connection_id(string path)
    {
        var (a, first) = await SeedWire.ConnectAsync(Server, path);
        await using var _ = a;
        var (b, second) = await SeedWire.ConnectAsync(Server, path);
        await using var __ = b;

        SeedAssert.HasTypeAndTimestamp(first, "connected");
        Assert.Equal("success", first.GetProperty("status").GetString());
        Assert.True(Guid.TryParseExact(first.GetProperty("connection_id").GetString(), "D", out var one), $"connection_id is a UUID: {first}");
        Assert.True(Guid.TryParseExact(second.GetProperty("connection_id").GetString(), "D", out var two));
        Assert.NotEqual(one, two);
    }

    [Fact]
    public async Task Subscribe_is_answered_subscribed_and_creates_the_topic()
    {
        var topic = NewTopic();
        await using var client = await SeedWire.ConnectClientAsync(Server);

        var reply = await client.SeedSubscribeAsync(topic, "subscriber1", requestId: "550e8400-e29b-41d4-a716-446655440000");

        SeedAssert.IsSuccess(reply, "subscribed", topic, "subscriber1", "550e8400-e29b-41d4-a716-446655440000");
        var (status, details) = await Server.SendAsync(HttpMethod.Get, $"/api/topics/{topic}/");
        Assert.Equal(200, status);
        Assert.Equal(1, details.GetProperty("subscriber_count").GetInt32());
    }

    [Fact]
    public async Task Replies_without_a_request_id_carry_request_id_null()
    {
        var topic = NewTopic();
        await using var client = await SeedWire.ConnectClientAsync(Server);

        SeedAssert.IsSuccess(await client.SeedSubscribeAsync(topic, "s1"), "subscribed", topic, "s1", null);
        SeedAssert.IsSuccess(await client.SeedPublishAsync("other-" + topic, new { n = 1 }, clientId: "p1"), "published", "other-" + topic, "p1", null);
        await client.SendAsync(new { type = "ping" });
        var pong = await client.ExpectAsync("pong");
        SeedAssert.HasTypeAndTimestamp(pong, "pong");
        Assert.Equal(JsonValueKind.Null, pong.GetProperty("request_id").ValueKind);
    }

    [Fact]
    public async Task Subscribe_with_last_n_replays_the_newest_oldest_first_after_subscribed()
    {
        var topic = NewTopic();
        await using var publisher = await SeedWire.ConnectClientAsync(Server);
        for (var i = 1; i <= 7; i++)
        {
            await publisher.SeedPublishAsync(topic, new { i }, clientId: "pub");
        }

        await using var subscriber = await SeedWire.ConnectClientAsync(Server);
        SeedAssert.IsSuccess(await subscriber.SeedSubscribeAsync(topic, "late", lastN: 5, requestId: "r-5"), "subscribed", topic, "late", "r-5");

        for (var i = 3; i <= 7; i++)
        {
            var message = SeedAssert.IsMessage(await subscriber.ReceiveAsync(), topic, "pub");
            Assert.Equal(i, message.GetProperty("payload").GetProperty("i").GetInt32());
        }

        await subscriber.ExpectSilenceAsync();
    }

    [Fact]
    public async Task Unsubscribe_is_answered_unsubscribed_and_nothing_of_the_topic_follows()
    {
        var topic = NewTopic();
        await using var subscriber = await SeedWire.ConnectClientAsync(Server);
        await subscriber.SeedSubscribeAsync(topic, "subscriber1");

        await subscriber.SendAsync(new { type = "unsubscribe", topic, client_id = "subscriber1", request_id = "340e8400-e29b-41d4-a716-4466554480098" });

        SeedAssert.IsSuccess(await subscriber.ExpectAsync("unsubscribed"), "unsubscribed", topic, "subscriber1", "340e8400-e29b-41d4-a716-4466554480098");
        await using var publisher = await SeedWire.ConnectClientAsync(Server);
        await publisher.SeedPublishAsync(topic, new { after = true });
        await subscriber.ExpectSilenceAsync();
    }

    [Fact]
    public async Task Publish_is_answered_published_with_the_message_id_and_creates_the_topic()
    {
        var topic = NewTopic();
        await using var client = await SeedWire.ConnectClientAsync(Server);

        var reply = await client.SeedPublishAsync(topic, new { order_id = "ORD-123", amount = "99.50", currency = "USD" }, "order-42", "publisher1", "r-3");

        SeedAssert.IsSuccess(reply, "published", topic, "publisher1", "r-3");
        Assert.Equal("order-42", reply.GetProperty("message_id").GetString());
        var (status, history) = await Server.SendAsync(HttpMethod.Get, $"/api/topics/{topic}/messages/");
        Assert.Equal(200, status);
        var stored = Assert.Single(history.GetProperty("messages").EnumerateArray());
        Assert.Equal("order-42", stored.GetProperty("id").GetString());
        Assert.Equal("publisher1", stored.GetProperty("publisher_id").GetString());
    }

    [Theory]
    [InlineData("1")]
    [InlineData("msg_1700000000123")]
    [InlineData("not a uuid at all")]
    [InlineData("550e8400-e29b-41d4-a716-446655440000")]
    public async Task Any_non_empty_message_id_is_accepted(string id)
    {
        var topic = NewTopic();
        await using var subscriber = await SeedWire.ConnectClientAsync(Server);
        await subscriber.SeedSubscribeAsync(topic);
        await using var publisher = await SeedWire.ConnectClientAsync(Server);

        Assert.Equal(id, (await publisher.SeedPublishAsync(topic, "x", id)).GetProperty("message_id").GetString());
        Assert.Equal(id, SeedAssert.IsMessage(await subscriber.ReceiveAsync(), topic, "p1").GetProperty("id").GetString());
    }

    [Fact]
    public async Task An_empty_message_id_is_refused_and_an_absent_one_is_assigned_a_uuid()
    {
        var topic = NewTopic();
        await using var client = await SeedWire.ConnectClientAsync(Server);

        await client.SendPublishAsync(topic, "x", "", requestId: "empty");
        SeedAssert.IsError(await client.ReceiveAsync(), "BAD_REQUEST", "empty", "must not be empty");

        await client.SendPublishAsync(topic, "x", id: null, requestId: "none");
        var published = await client.ExpectAsync("published");
        Assert.True(Guid.TryParseExact(published.GetProperty("message_id").GetString(), "D", out _), $"assigned a UUID: {published}");
    }

    [Fact]
    public async Task Each_event_is_a_message_frame_with_publisher_client_id()
    {
        var topic = NewTopic();
        await using var subscriber = await SeedWire.ConnectClientAsync(Server);
        await subscriber.SeedSubscribeAsync(topic);
        await using var publisher = await SeedWire.ConnectClientAsync(Server);

        var published = await publisher.SeedPublishAsync(topic, new { order_id = "ORD-1" }, clientId: "publisher1");
        var named = await subscriber.ReceiveAsync();
        await publisher.SeedPublishAsync(topic, 42, clientId: null);
        var anonymous = await subscriber.ReceiveAsync();

        var message = SeedAssert.IsMessage(named, topic, "publisher1");
        Assert.Equal(published.GetProperty("message_id").GetString(), message.GetProperty("id").GetString());
        Assert.Equal("ORD-1", message.GetProperty("payload").GetProperty("order_id").GetString());
        Assert.Equal(42, SeedAssert.IsMessage(anonymous, topic, null).GetProperty("payload").GetInt32());
        Assert.Equal(JsonValueKind.Null, anonymous.GetProperty("publisher_client_id").ValueKind);
        Assert.Equal(SeedAssert.Seq(named) + 1, SeedAssert.Seq(anonymous));
    }

    [Fact]
    public async Task Ping_is_answered_pong_with_the_request_id_and_a_timestamp()
    {
        await using var client = await SeedWire.ConnectClientAsync(Server);

        await client.SendAsync(new { type = "ping", request_id = "570t8400-e29b-41d4-a716-4466554412345" });

        var pong = await client.ExpectAsync("pong");
        SeedAssert.HasTypeAndTimestamp(pong, "pong");
        Assert.Equal("570t8400-e29b-41d4-a716-4466554412345", pong.GetProperty("request_id").GetString());
    }

    [Fact]
    public async Task A_request_id_of_any_type_is_echoed_verbatim()
    {
        await using var client = await SeedWire.ConnectClientAsync(Server);

        await client.SendTextAsync("""{"type":"ping","request_id":{"n":7,"tag":"x"}}""");
        var pong = await client.ExpectAsync("pong");
        await client.SendTextAsync("""{"type":"nope","request_id":12.5}""");
        var error = await client.ExpectAsync("error");

        Assert.Equal("""{"n":7,"tag":"x"}""", pong.GetProperty("request_id").GetRawText());
        Assert.Equal("12.5", error.GetProperty("request_id").GetRawText());
    }

    [Fact]
    public async Task Errors_are_plain_text_with_the_request_id_only_when_the_request_had_one()
    {
        await using var client = await SeedWire.ConnectClientAsync(Server);

        await client.SendAsync(new { type = "shout", request_id = "r-1" });
        SeedAssert.IsError(await client.ReceiveAsync(), "BAD_REQUEST", "r-1", "unknown type");

        await client.SendTextAsync("{not json");
        SeedAssert.IsError(await client.ReceiveAsync(), "BAD_REQUEST", null, "invalid JSON");

        await client.SendBytesAsync(Encoding.UTF8.GetBytes("""{"type":"ping"}"""), WebSocketMessageType.Binary);
        SeedAssert.IsError(await client.ReceiveAsync(), "BAD_REQUEST", null, "binary");

        await client.SendAsync(new { type = "subscribe", topic = "bad topic!", client_id = "s1", request_id = "r-2" });
        SeedAssert.IsError(await client.ReceiveAsync(), "BAD_REQUEST", "r-2");

        await client.SendAsync(new { type = "subscribe", topic = NewTopic(), client_id = "s1", last_n = -1 });
        SeedAssert.IsError(await client.ReceiveAsync(), "BAD_REQUEST", null, "last_n");

        // Topics are created on subscribe and publish, not on unsubscribe: an unknown one is still TOPIC_NOT_FOUND.
        var unknown = NewTopic();
        await client.SendAsync(new { type = "unsubscribe", topic = unknown, client_id = "s1", request_id = "r-3" });
        SeedAssert.IsError(await client.ReceiveAsync(), "TOPIC_NOT_FOUND", "r-3", unknown);

        // The connection is still served.
        await client.SendAsync(new { type = "ping", request_id = "still" });
        Assert.Equal("still", (await client.ExpectAsync("pong")).GetProperty("request_id").GetString());
    }

    [Fact]
    public async Task A_frame_over_the_limit_is_refused_and_the_socket_closed_with_1009()
    {
        await using var client = await SeedWire.ConnectClientAsync(Server);

        await client.SendTextAsync($$"""{"type":"ping","pad":"{{new string('x', 70 * 1024)}}"}""");

        var (status, frames) = await client.ReadUntilCloseAsync();
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, status);
        SeedAssert.IsError(Assert.Single(frames), "BAD_REQUEST", null, "limit");
    }

    [Fact]
    public async Task Subscribing_again_is_answered_subscribed_then_its_replay_and_live_events_still_come_once()
    {
        var topic = NewTopic();
        await using var client = await SeedWire.ConnectClientAsync(Server);
        for (var i = 1; i <= 3; i++)
        {
            await client.SeedPublishAsync(topic, new { i });
        }

        SeedAssert.IsSuccess(await client.SeedSubscribeAsync(topic, "s1"), "subscribed", topic, "s1", null);
        SeedAssert.IsSuccess(await client.SeedSubscribeAsync(topic, "s1", lastN: 2, requestId: "again"), "subscribed", topic, "s1", "again");
        for (var i = 2; i <= 3; i++)
        {
            Assert.Equal(i, SeedAssert.IsMessage(await client.ReceiveAsync(), topic, "p1").GetProperty("payload").GetProperty("i").GetInt32());
        }

        await using var publisher = await SeedWire.ConnectClientAsync(Server);
        await publisher.SeedPublishAsync(topic, "once");

        Assert.Equal("once", SeedAssert.IsMessage(await client.ReceiveAsync(), topic, "p1").GetProperty("payload").GetString());
        await client.ExpectSilenceAsync();
        Assert.Single(Server.Broker.GetSubscribers(topic));
    }
}
