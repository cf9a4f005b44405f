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
    /// One connection through every request type. The history subscribe is to a second topic: subscribing again to
    /// the first would be idempotent (§4) and replay nothing.
    /// </summary>
    [Fact]
    public async Task One_connection_connects_subscribes_publishes_replays_pings_and_unsubscribes()
    {
        var orders = NewTopic("orders");
        var history = NewTopic("history");
        var (client, connected) = await SeedWire.ConnectAsync(Server, "/ws/");
        await using var _ = client;
        SeedAssert.HasTypeAndTimestamp(connected, "connected");

        // subscribe → subscribed
        SeedAssert.IsSuccess(await client.SeedSubscribeAsync(orders, "subscriber1", requestId: "sub-1"), "subscribed", orders, "subscriber1", "sub-1");

        // publish → published; being subscribed, the connection also gets its own message (either may come first)
        await client.SendPublishAsync(orders, new { order_id = "ORD-123", amount = "99.50", currency = "USD" }, Guid.NewGuid().ToString(), "publisher1", "pub-1");
        var frames = new[] { await client.ReceiveAsync(), await client.ReceiveAsync() }.ToDictionary(f => f.GetProperty("type").GetString()!);
        SeedAssert.IsSuccess(frames["published"], "published", orders, "publisher1", "pub-1");
        var own = SeedAssert.IsMessage(frames["message"], orders, "publisher1");
        Assert.Equal(frames["published"].GetProperty("message_id").GetString(), own.GetProperty("id").GetString());

        // subscribe with last_n: 5 → subscribed, then the replayed messages oldest first
        for (var i = 1; i <= 7; i++)
        {
            SeedAssert.IsSuccess(await client.SeedPublishAsync(history, new { i }, clientId: "publisher1", requestId: $"h-{i}"), "published", history, "publisher1", $"h-{i}");
        }

        SeedAssert.IsSuccess(await client.SeedSubscribeAsync(history, "subscriber1", lastN: 5, requestId: "sub-2"), "subscribed", history, "subscriber1", "sub-2");
        for (var i = 3; i <= 7; i++)
        {
            Assert.Equal(i, SeedAssert.IsMessage(await client.ReceiveAsync(), history, "publisher1").GetProperty("payload").GetProperty("i").GetInt32());
        }

        // ping → pong
        await client.SendAsync(new { type = "ping", request_id = "ping-1" });
        var pong = await client.ExpectAsync("pong");
        Assert.Equal("ping-1", pong.GetProperty("request_id").GetString());

        // unsubscribe → unsubscribed, and the topic is quiet for this connection from then on
        await client.SendAsync(new { type = "unsubscribe", topic = orders, client_id = "subscriber1", request_id = "unsub-1" });
        SeedAssert.IsSuccess(await client.ExpectAsync("unsubscribed"), "unsubscribed", orders, "subscriber1", "unsub-1");
        SeedAssert.IsSuccess(await client.SeedPublishAsync(orders, "after", clientId: "publisher1"), "published", orders, "publisher1", null);
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
