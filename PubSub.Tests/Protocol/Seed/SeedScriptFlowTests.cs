using System.Text.Json;
using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Infrastructure.ServerFixture;

namespace PubSub.Tests.Protocol.Seed;

/// <summary>
/// The two client scripts that shipped with the seed, replayed as flows against <c>Dialect=Seed</c>: they switch on
/// the frame types of PROTOCOL.md §9, so what they read is asserted frame by frame.
/// </summary>
public sealed class SeedScriptFlowTests(SeedServerFixture fixture) : IClassFixture<SeedServerFixture>
{
    private TestServer Server => fixture.Server;

    /// <summary>
    /// The seed's <c>test_websocket.py</c>: one connection through every request type, each reply read as the next
    /// frame, one frame at a time, nothing skipped. Its second subscribe is to the same topic, answered like the first.
    /// </summary>
    [Fact]
    public Task One_connection_connects_subscribes_publishes_resubscribes_with_history_pings_and_unsubscribes() =>
        TestWebsocketFlowAsync(Server);

    /// <summary>The flow of <c>test_websocket.py</c> against <paramref name="server"/> (also run on the Redis engine).</summary>
    internal static async Task TestWebsocketFlowAsync(TestServer server)
    {
        var orders = NewTopic("orders");
        var (client, connected) = await SeedWire.ConnectAsync(server, "/ws/");
        await using var _ = client;
        SeedAssert.HasTypeAndTimestamp(connected, "connected");

        // subscribe → subscribed
        await client.SendSubscribeAsync(orders, "subscriber1", requestId: "sub-1");
        SeedAssert.IsSuccess(await client.ReceiveAsync(), "subscribed", orders, "subscriber1", "sub-1");

        // publish → published, and only then the connection's own message (it is subscribed)
        var ids = new List<string>();
        for (var n = 1; n <= 7; n++)
        {
            var id = Guid.NewGuid().ToString();
            ids.Add(id);
            await client.SendPublishAsync(orders, new { order_id = $"ORD-{n}", amount = "99.50", currency = "USD" }, id, "publisher1", $"pub-{n}");
            var published = await client.ReceiveAsync();
            SeedAssert.IsSuccess(published, "published", orders, "publisher1", $"pub-{n}");
            Assert.Equal(id, published.GetProperty("message_id").GetString());
            Assert.Equal(id, SeedAssert.IsMessage(await client.ReceiveAsync(), orders, "publisher1").GetProperty("id").GetString());
        }

        // subscribe again with last_n: 5 → subscribed, then the last five messages oldest first
        await client.SendSubscribeAsync(orders, "subscriber1", lastN: 5, requestId: "sub-2");
        SeedAssert.IsSuccess(await client.ReceiveAsync(), "subscribed", orders, "subscriber1", "sub-2");
        for (var n = 3; n <= 7; n++)
        {
            Assert.Equal(ids[n - 1], SeedAssert.IsMessage(await client.ReceiveAsync(), orders, "publisher1").GetProperty("id").GetString());
        }

        // ping → pong
        await client.SendAsync(new { type = "ping", request_id = "ping-1" });
        var pong = await client.ReceiveAsync();
        SeedAssert.HasTypeAndTimestamp(pong, "pong");
        Assert.Equal("ping-1", pong.GetProperty("request_id").GetString());

        // one more publish: its message comes once, the subscription being one
        await client.SendPublishAsync(orders, "eighth", Guid.NewGuid().ToString(), "publisher1", "pub-8");
        SeedAssert.IsSuccess(await client.ReceiveAsync(), "published", orders, "publisher1", "pub-8");
        Assert.Equal("eighth", SeedAssert.IsMessage(await client.ReceiveAsync(), orders, "publisher1").GetProperty("payload").GetString());

        // unsubscribe → unsubscribed, and the topic is quiet for this connection from then on
        await client.SendAsync(new { type = "unsubscribe", topic = orders, client_id = "subscriber1", request_id = "unsub-1" });
        SeedAssert.IsSuccess(await client.ReceiveAsync(), "unsubscribed", orders, "subscriber1", "unsub-1");
        await client.SendPublishAsync(orders, "after", Guid.NewGuid().ToString(), "publisher1");
        SeedAssert.IsSuccess(await client.ReceiveAsync(), "published", orders, "publisher1", null);
        await client.ExpectSilenceAsync();
    }

    /// <summary>
    /// Three subscribers and one publisher on one topic. The script waits two seconds between messages; nothing here
    /// depends on that wait, so the test publishes at once.
    /// </summary>
    [Fact]
    public async Task Three_subscribers_each_get_all_three_messages_with_the_publisher_client_id()
    {
        var topic = NewTopic("multi");
        var subscribers = new List<WsClient>();
        try
        {
            for (var n = 1; n <= 3; n++)
            {
                var subscriber = await SeedWire.ConnectClientAsync(Server);
                subscribers.Add(subscriber);
                SeedAssert.IsSuccess(await subscriber.SeedSubscribeAsync(topic, $"subscriber{n}", requestId: $"s-{n}"), "subscribed", topic, $"subscriber{n}", $"s-{n}");
            }

            await using var publisher = await SeedWire.ConnectClientAsync(Server);
            var ids = new List<string>();
            for (var m = 1; m <= 3; m++)
            {
                var published = await publisher.SeedPublishAsync(topic, new { message = $"Test message {m}", number = m }, clientId: "test_publisher");
                ids.Add(published.GetProperty("message_id").GetString()!);
            }

            foreach (var subscriber in subscribers)
            {
                var received = new List<JsonElement>();
                for (var m = 1; m <= 3; m++)
                {
                    received.Add(SeedAssert.IsMessage(await subscriber.ReceiveAsync(), topic, "test_publisher"));
                }

                Assert.Equal(ids, received.Select(r => r.GetProperty("id").GetString()));
                Assert.Equal([1, 2, 3], received.Select(r => r.GetProperty("payload").GetProperty("number").GetInt32()));
                await subscriber.ExpectSilenceAsync();
            }
        }
        finally
        {
            foreach (var subscriber in subscribers)
            {
                await subscriber.DisposeAsync();
            }
        }
    }
}
