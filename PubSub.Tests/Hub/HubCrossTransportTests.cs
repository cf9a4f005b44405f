using System.Text.Json;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Hub;

/// <summary>Every transport reaches every other: /ws ↔ hub, REST → both, one subscription per (connection, topic).</summary>
public sealed class HubCrossTransportTests
{
    [Theory]
    [InlineData(HubProtocolKind.Json)]
    [InlineData(HubProtocolKind.MessagePack)]
    public async Task Published_on_ws_is_received_by_hub_subscribers(HubProtocolKind protocol)
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateTopicAsync("orders");
        await using var hub = await HubTestClient.ConnectAsync(server, protocol);
        await hub.SubscribeAsync("orders");
        await using var ws = await server.ConnectAsync();
        var id = Guid.NewGuid().ToString();

        await ws.PublishAsync("orders", new { order_id = "ORD-123", amount = "99.50" }, id, requestId: "r1");
        await ws.ExpectAsync("ack");

        var e = await hub.ExpectAsync("Event");
        Assert.Equal(id, e.GetProperty("id").GetString());
        Assert.Equal(1, e.GetProperty("seq").GetInt64());
        Assert.Equal("ORD-123", e.GetProperty("payload").GetProperty("order_id").GetString());
    }

    [Theory]
    [InlineData(HubProtocolKind.Json)]
    [InlineData(HubProtocolKind.MessagePack)]
    public async Task Published_on_the_hub_is_received_by_ws_subscribers(HubProtocolKind protocol)
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateTopicAsync("orders");
        await using var ws = await server.ConnectAsync();
        await ws.SubscribeAsync("orders");
        await using var hub = await HubTestClient.ConnectAsync(server, protocol);

        var result = await hub.PublishAsync("orders", new Dictionary<string, object?> { ["order_id"] = "ORD-9", ["items"] = new object[] { 1, 2 } });

        var e = await ws.ExpectAsync("event");
        Assert.Equal("orders", e.GetProperty("topic").GetString());
        Assert.Equal(result.GetProperty("id").GetString(), e.GetProperty("message").GetProperty("id").GetString());
        Assert.Equal("""{"order_id":"ORD-9","items":[1,2]}""", e.GetProperty("message").GetProperty("payload").GetRawText());
        Assert.Equal(result.GetProperty("seq").GetInt64(), e.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task Rest_publish_reaches_hub_and_ws_subscribers_and_both_are_listed()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateTopicAsync("orders");
        await using var json = await HubTestClient.ConnectAsync(server, HubProtocolKind.Json);
        await using var msgpack = await HubTestClient.ConnectAsync(server, HubProtocolKind.MessagePack);
        await using var ws = await server.ConnectAsync();
        await json.SubscribeAsync("orders", clientId: "hub-json");
        await msgpack.SubscribeAsync("orders", clientId: "hub-msgpack");
        await ws.SubscribeAsync("orders", clientId: "ws-1");

        var (status, body) = await server.SendAsync(HttpMethod.Post, "/api/topics/orders/messages/", """{"payload":{"n":7}}""");

        Assert.Equal(201, status);
        var id = body.GetProperty("id").GetString();
        Assert.Equal(id, (await json.ExpectAsync("Event")).GetProperty("id").GetString());
        var packed = await msgpack.ExpectAsync("Event");
        Assert.Equal(id, packed.GetProperty("id").GetString());
        Assert.Equal(7, packed.GetProperty("payload").GetProperty("n").GetInt32());
        Assert.Equal(id, (await ws.ExpectAsync("event")).GetProperty("message").GetProperty("id").GetString());

        var (_, subscribers) = await server.SendAsync(HttpMethod.Get, "/api/topics/orders/subscribers/");
        var listed = subscribers.GetProperty("subscribers").EnumerateArray()
            .Select(s => (s.GetProperty("client_id").GetString(), s.GetProperty("transport").GetString())).OrderBy(s => s.Item1).ToList();
        Assert.Equal([("hub-json", "signalr"), ("hub-msgpack", "signalr"), ("ws-1", "ws")], listed);
    }

    [Fact]
    public void The_ws_and_hub_encodings_cache_in_different_slots()
    {
        // Regression: the slot counter lived in the generic MessageEncoding<T>, one counter per T, so both got slot 0
        // and a /ws subscriber could be handed the hub's cached message (and its send loop died on the cast).
        Assert.NotEqual(PubSub.Server.WebSockets.WsEventEncoding.Instance.Slot, PubSub.Server.Hubs.HubEventEncoding.Instance.Slot);
    }

    [Fact]
    public async Task Hub_connections_count_in_stats_and_health()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateTopicAsync("orders");
        await using var hub = await HubTestClient.ConnectAsync(server, HubProtocolKind.Json);
        await hub.SubscribeAsync("orders");

        var (_, health) = await server.SendAsync(HttpMethod.Get, "/health");

        Assert.Equal(1, health.GetProperty("subscribers").GetInt32());
        Assert.Equal(1, server.Broker.GetConnectionStats().Count(c => c.Transport == "signalr"));
        Assert.Equal(JsonValueKind.Object, health.ValueKind);
    }
}
