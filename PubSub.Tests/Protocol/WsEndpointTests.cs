using System.Text.Json;
using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Infrastructure.ServerFixture;

namespace PubSub.Tests.Protocol;

/// <summary>PROTOCOL.md §1–3: the endpoint, frame basics, ping, request_id.</summary>
public sealed class WsEndpointTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    [Theory]
    [InlineData("/ws")]
    [InlineData("/ws/")]
    public async Task Both_paths_speak_the_protocol_and_send_nothing_on_connect(string path)
    {
        await using var client = await WsClient.ConnectAsync(new Uri($"ws://{Server.BaseAddress.Authority}{path}"));
        await client.ExpectSilenceAsync();
        await client.SendAsync(new { type = "ping", request_id = "r1" });
        var pong = await client.ExpectAsync("pong");
        WireAssert.HasTypeAndTs(pong, "pong");
        Assert.Equal("r1", pong.GetProperty("request_id").GetString());
    }

    [Fact]
    public async Task A_plain_GET_on_ws_is_refused_with_a_JSON_error()
    {
        var (status, body) = await Server.SendAsync(HttpMethod.Get, "/ws");
        Assert.Equal(400, status);
        Assert.Contains("WebSocket", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Ping_without_request_id_gets_a_pong_without_one()
    {
        await using var client = await Server.ConnectAsync();
        await client.SendAsync(new { type = "ping" });
        var pong = await client.ExpectAsync("pong");
        Assert.False(pong.TryGetProperty("request_id", out _));
    }

    [Theory]
    [InlineData("\"570t8400-e29b-41d4-a716-4466554412345\"")] // the seed's own example: not a valid UUID, echoed all the same
    [InlineData("\"\"")]
    [InlineData("\"ünïcødé 🙂 \\\"quoted\\\" \\u0000\"")]
    [InlineData("42")]
    [InlineData("{\"nested\":[1,2]}")]
    public async Task Request_id_is_never_validated_and_is_echoed_verbatim(string rawRequestId)
    {
        await using var client = await Server.ConnectAsync();
        await client.SendTextAsync($"{{\"type\":\"ping\",\"request_id\":{rawRequestId}}}");
        var pong = await client.ExpectAsync("pong");
        using var expected = JsonDocument.Parse(rawRequestId);
        Assert.Equal(expected.RootElement.GetRawText(), pong.GetProperty("request_id").GetRawText());
    }

    [Fact]
    public async Task Request_id_is_echoed_on_errors_of_well_formed_requests()
    {
        await using var client = await Server.ConnectAsync();
        await client.SendAsync(new { type = "subscribe", topic = NewTopic(), client_id = "c", request_id = "r-9" });
        WireAssert.IsError(await client.ReceiveAsync(), "TOPIC_NOT_FOUND", "r-9");
        await client.SendAsync(new { type = "dance", request_id = "r-10" });
        WireAssert.IsError(await client.ReceiveAsync(), "BAD_REQUEST", "r-10");
    }

    [Fact]
    public async Task Unknown_fields_are_ignored()
    {
        await using var client = await Server.ConnectAsync();
        await client.SendTextAsync("{\"type\":\"ping\",\"request_id\":\"u\",\"extra\":{\"deep\":[1,{\"x\":null}]},\"also\":true}");
        Assert.Equal("u", (await client.ExpectAsync("pong")).GetProperty("request_id").GetString());
    }

    [Fact]
    public async Task Every_frame_type_carries_an_ISO_UTC_ts()
    {
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        await using var client = await Server.ConnectAsync();
        WireAssert.IsAck(await client.SubscribeAsync(topic, requestId: "s"), topic, "s");
        await client.PublishAsync(topic, new { x = 1 }, requestId: "p");
        var frames = new[] { await client.ReceiveAsync(), await client.ReceiveAsync() };
        WireAssert.IsEvent(frames.Single(f => f.GetProperty("type").GetString() == "event"), topic);
        WireAssert.IsAck(frames.Single(f => f.GetProperty("type").GetString() == "ack"), topic, "p");
        await client.SendAsync(new { type = "nope" });
        WireAssert.IsError(await client.ReceiveAsync(), "BAD_REQUEST");
    }
}
