using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PubSub.Core;
using PubSub.Server.Hubs;
using PubSub.Server.WebSockets;
using PubSub.Tests.Hub;
using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Infrastructure.ServerFixture;

namespace PubSub.Tests.Protocol.Seed;

/// <summary>
/// The dialect changes /ws only: the same messages reach both dialects' subscribers, the hub and REST keep the
/// standard rules on a seed server, the standard dialect stays the default, and each dialect encodes an event once.
/// </summary>
public sealed class SeedIsolationTests
{
    [Fact]
    public async Task Seed_and_standard_subscribers_see_the_same_messages()
    {
        await using var standard = await TestServer.StartAsync();
        await using var seed = await SeedWire.StartAsync();
        const string topic = "orders";
        await standard.CreateTopicAsync(topic);
        await seed.CreateTopicAsync(topic);

        await using var standardSubscriber = await standard.ConnectAsync();
        await standardSubscriber.SubscribeAsync(topic, "std-sub");
        await using var seedSubscriber = await SeedWire.ConnectClientAsync(seed);
        await seedSubscriber.SeedSubscribeAsync(topic, "seed-sub");
        await using var seedHub = await HubTestClient.ConnectAsync(seed, HubProtocolKind.Json);
        await seedHub.SubscribeAsync(topic, "hub-sub");

        // The same messages into each server: over its own /ws dialect, and over REST.
        await using var standardPublisher = await standard.ConnectAsync();
        await using var seedPublisher = await SeedWire.ConnectClientAsync(seed);
        var ids = Enumerable.Range(0, 4).Select(_ => Guid.NewGuid().ToString()).ToList();
        object[] payloads = [new { order_id = "ORD-1", amount = "99.50" }, "text", 42, new[] { 1, 2, 3 }];
        for (var i = 0; i < 3; i++)
        {
            await standardPublisher.PublishAsync(topic, payloads[i], ids[i], clientId: "publisher1");
            await standardPublisher.ExpectAsync("ack");
            await seedPublisher.SeedPublishAsync(topic, payloads[i], ids[i], "publisher1");
        }

        var rest = $$"""{"id":"{{ids[3]}}","payload":[1,2,3],"client_id":"publisher1"}""";
        Assert.Equal(201, (await standard.SendAsync(HttpMethod.Post, $"/api/topics/{topic}/messages/", rest)).Status);
        Assert.Equal(201, (await seed.SendAsync(HttpMethod.Post, $"/api/topics/{topic}/messages/", rest)).Status);

        var seen = new List<(string?, string, long)>[3];
        seen[0] = [];
        seen[1] = [];
        seen[2] = [];
        for (var i = 0; i < 4; i++)
        {
            var ev = await standardSubscriber.ExpectAsync("event");
            seen[0].Add((ev.GetProperty("message").GetProperty("id").GetString(), ev.GetProperty("message").GetProperty("payload").GetRawText(), WireAssert.IsEvent(ev, topic)));
            var frame = await seedSubscriber.ReceiveAsync();
            var message = SeedAssert.IsMessage(frame, topic, i < 3 ? "publisher1" : frame.GetProperty("publisher_client_id").GetString());
            seen[1].Add((message.GetProperty("id").GetString(), message.GetProperty("payload").GetRawText(), SeedAssert.Seq(frame)));
            var hub = await seedHub.ExpectAsync("Event");
            seen[2].Add((hub.GetProperty("id").GetString(), hub.GetProperty("payload").GetRawText(), hub.GetProperty("seq").GetInt64()));
        }

        Assert.Equal(ids, seen[0].Select(s => s.Item1));
        Assert.Equal(seen[0], seen[1]);
        Assert.Equal(seen[0], seen[2]);
    }

    [Fact]
    public async Task On_a_seed_server_the_hub_and_REST_keep_the_standard_topic_and_id_rules()
    {
        await using var server = await SeedWire.StartAsync();
        await using var hub = await HubTestClient.ConnectAsync(server, HubProtocolKind.Json);
        var unknown = NewTopic();

        Assert.Equal(404, (await server.SendAsync(HttpMethod.Post, $"/api/topics/{unknown}/messages/", """{"payload":1}""")).Status);
        Assert.StartsWith("TOPIC_NOT_FOUND", await hub.InvokeFailsAsync("Publish", new { topic = unknown, payload = 1 }));
        Assert.StartsWith("TOPIC_NOT_FOUND", await hub.InvokeFailsAsync("Subscribe", new { topic = unknown, clientId = "h" }));
        Assert.Null(await server.Broker.GetTopicAsync(unknown));

        // /ws in the seed dialect creates it; the hub then subscribes and hears /ws publishes in its own form.
        await using var client = await SeedWire.ConnectClientAsync(server);
        await client.SeedPublishAsync(unknown, "first", "seed-id-1");
        await hub.SubscribeAsync(unknown, "h");
        await client.SeedPublishAsync(unknown, "second", "seed-id-2");
        var ev = await hub.ExpectAsync("Event");
        Assert.Equal("seed-id-2", ev.GetProperty("id").GetString());
        Assert.Equal(2, ev.GetProperty("seq").GetInt64());

        // Non-UUID ids stay refused on REST and the hub.
        var (status, body) = await server.SendAsync(HttpMethod.Post, $"/api/topics/{unknown}/messages/", """{"id":"seed-id-3","payload":1}""");
        Assert.Equal(400, status);
        Assert.Contains("UUID", body.GetProperty("error").GetString());
        Assert.StartsWith("BAD_REQUEST", await hub.InvokeFailsAsync("Publish", new { topic = unknown, id = "seed-id-3", payload = 1 }));
    }

    [Fact]
    public async Task Without_the_option_the_standard_dialect_sends_nothing_on_connect_and_keeps_its_rules()
    {
        await using var server = await TestServer.StartAsync();
        Assert.Equal(PubSub.Server.Hosting.WsDialect.Standard, server.Services.GetRequiredService<IOptions<PubSub.Server.Hosting.WsEndpointOptions>>().Value.Dialect);
        await using var client = await server.ConnectAsync();
        await client.ExpectSilenceAsync();

        var topic = NewTopic();
        await client.PublishAsync(topic, "x", requestId: "r");
        WireAssert.IsError(await client.ReceiveAsync(), "TOPIC_NOT_FOUND", "r");
        await server.CreateTopicAsync(topic);
        await client.PublishAsync(topic, "x", id: "order-1", requestId: "r2");
        WireAssert.IsError(await client.ReceiveAsync(), "BAD_REQUEST", "r2", "UUID");
    }

    [Theory]
    [InlineData("seed")]
    [InlineData("Seed")]
    [InlineData("SEED")]
    public async Task The_option_binds_case_insensitively(string value)
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { [SeedWire.DialectKey] = value });
        var (client, connected) = await SeedWire.ConnectAsync(server);
        await using var _ = client;
        SeedAssert.HasTypeAndTimestamp(connected, "connected");
    }

    [Theory]
    [InlineData("Django")]
    [InlineData("7")]
    public async Task An_unknown_dialect_fails_the_start_naming_the_option(string value)
    {
        var ex = await Assert.ThrowsAnyAsync<Exception>(() => TestServer.StartAsync(new Dictionary<string, string?> { [SeedWire.DialectKey] = value })).Within();
        var messages = string.Join(" | ", Chain(ex).Select(e => e.Message));
        Assert.Contains("PubSub:WebSocket:Dialect", messages);
        Assert.Contains(value, messages);
    }

    private static IEnumerable<Exception> Chain(Exception? ex)
    {
        for (; ex is not null; ex = ex.InnerException)
        {
            yield return ex;
        }
    }

    [Fact]
    public void Each_dialect_encodes_an_event_once_in_a_slot_of_its_own()
    {
        int[] slots = [WsEventEncoding.Instance.Slot, SeedEventEncoding.Instance.Slot, HubEventEncoding.Instance.Slot];
        Assert.Equal(slots.Length, slots.Distinct().Count());

        var message = new PublishedMessage("orders", 3, "order-1", Encoding.UTF8.GetBytes("""{"a":1}"""), "publisher1", DateTimeOffset.UnixEpoch);
        var seed = message.GetEncoded(SeedEventEncoding.Instance);
        var standard = message.GetEncoded(WsEventEncoding.Instance);

        Assert.Same(seed, message.GetEncoded(SeedEventEncoding.Instance)); // every further subscriber gets these bytes
        Assert.Same(standard, message.GetEncoded(WsEventEncoding.Instance));
        using var json = JsonDocument.Parse(WireFrame.Payload(seed).ToArray());
        Assert.Equal(
            """{"type":"message","topic":"orders","message":{"id":"order-1","payload":{"a":1},"timestamp":"1970-01-01T00:00:00.000Z"},"publisher_client_id":"publisher1","seq":3}""",
            Encoding.UTF8.GetString(WireFrame.Payload(seed)));
        Assert.Equal("event", JsonDocument.Parse(WireFrame.Payload(standard).ToArray()).RootElement.GetProperty("type").GetString());
    }
}
