using System.Net.WebSockets;
using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Infrastructure.ServerFixture;

namespace PubSub.Tests.Protocol;

/// <summary>Bad input gets a clear error, the connection survives where the contract says so, and others are unaffected.</summary>
public sealed class WsBadInputTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private async Task AssertStillServesAsync(WsClient client)
    {
        await client.SendAsync(new { type = "ping", request_id = "alive" });
        Assert.Equal("alive", (await client.ExpectAsync("pong")).GetProperty("request_id").GetString());
    }

    [Theory]
    [InlineData("{not json", "invalid JSON")]
    [InlineData("{\"type\":\"ping\",}", "invalid JSON")]
    [InlineData("{\"type\":\"ping\"} trailing", "invalid JSON")]
    [InlineData("", "invalid JSON")]
    [InlineData("[1,2,3]", "object")]
    [InlineData("\"ping\"", "object")]
    [InlineData("42", "object")]
    [InlineData("null", "object")]
    public async Task Frames_that_are_not_a_JSON_object_get_BAD_REQUEST_without_request_id_and_the_connection_stays(string text, string hint)
    {
        await using var client = await Server.ConnectAsync();
        await client.SendTextAsync(text);
        WireAssert.IsError(await client.ReceiveAsync(), "BAD_REQUEST", null, hint);
        await AssertStillServesAsync(client);
    }

    [Fact]
    public async Task Binary_frames_get_BAD_REQUEST_and_the_connection_stays()
    {
        await using var client = await Server.ConnectAsync();
        await client.SendBytesAsync("{\"type\":\"ping\"}"u8.ToArray(), WebSocketMessageType.Binary);
        WireAssert.IsError(await client.ReceiveAsync(), "BAD_REQUEST", null, "binary");
        await AssertStillServesAsync(client);
    }

    [Theory]
    [InlineData("{\"request_id\":\"r\"}", "type is required")]
    [InlineData("{\"type\":7,\"request_id\":\"r\"}", "type must be a string")]
    [InlineData("{\"type\":\"SUBSCRIBE\",\"request_id\":\"r\"}", "unknown type")]
    [InlineData("{\"type\":\"subscribe\",\"client_id\":\"c\",\"request_id\":\"r\"}", "topic is required")]
    [InlineData("{\"type\":\"subscribe\",\"topic\":\"\",\"client_id\":\"c\",\"request_id\":\"r\"}", "topic")]
    [InlineData("{\"type\":\"subscribe\",\"topic\":[\"a\"],\"client_id\":\"c\",\"request_id\":\"r\"}", "topic must be a string")]
    [InlineData("{\"type\":\"subscribe\",\"topic\":\"has space\",\"client_id\":\"c\",\"request_id\":\"r\"}", "invalid topic name")]
    [InlineData("{\"type\":\"subscribe\",\"topic\":\"t\\u0000x\",\"client_id\":\"c\",\"request_id\":\"r\"}", "invalid topic name")]
    [InlineData("{\"type\":\"subscribe\",\"topic\":\"ördërs\",\"client_id\":\"c\",\"request_id\":\"r\"}", "invalid topic name")]
    [InlineData("{\"type\":\"subscribe\",\"topic\":\"orders\",\"request_id\":\"r\"}", "client_id")]
    [InlineData("{\"type\":\"subscribe\",\"topic\":\"orders\",\"client_id\":\"\",\"request_id\":\"r\"}", "client_id")]
    [InlineData("{\"type\":\"subscribe\",\"topic\":\"orders\",\"client_id\":5,\"request_id\":\"r\"}", "client_id must be a string")]
    [InlineData("{\"type\":\"unsubscribe\",\"topic\":\"orders\",\"request_id\":\"r\"}", "client_id")]
    [InlineData("{\"type\":\"subscribe\",\"topic\":\"orders\",\"client_id\":\"c\",\"last_n\":-1,\"request_id\":\"r\"}", "last_n")]
    [InlineData("{\"type\":\"subscribe\",\"topic\":\"orders\",\"client_id\":\"c\",\"last_n\":1.5,\"request_id\":\"r\"}", "last_n")]
    [InlineData("{\"type\":\"subscribe\",\"topic\":\"orders\",\"client_id\":\"c\",\"last_n\":\"5\",\"request_id\":\"r\"}", "last_n")]
    [InlineData("{\"type\":\"subscribe\",\"topic\":\"orders\",\"client_id\":\"c\",\"last_n\":true,\"request_id\":\"r\"}", "last_n")]
    [InlineData("{\"type\":\"subscribe\",\"topic\":\"orders\",\"client_id\":\"c\",\"last_n\":-99999999999999999999,\"request_id\":\"r\"}", "last_n")]
    [InlineData("{\"type\":\"subscribe\",\"topic\":\"orders\",\"client_id\":\"c\",\"since_seq\":-3,\"request_id\":\"r\"}", "since_seq")]
    [InlineData("{\"type\":\"subscribe\",\"topic\":\"orders\",\"client_id\":\"c\",\"last_n\":1,\"since_seq\":3,\"request_id\":\"r\"}", "either")]
    [InlineData("{\"type\":\"publish\",\"topic\":\"orders\",\"request_id\":\"r\"}", "message is required")]
    [InlineData("{\"type\":\"publish\",\"topic\":\"orders\",\"message\":\"hi\",\"request_id\":\"r\"}", "message must be an object")]
    [InlineData("{\"type\":\"publish\",\"topic\":\"orders\",\"message\":{\"id\":\"550e8400-e29b-41d4-a716-446655440000\"},\"request_id\":\"r\"}", "payload is required")]
    [InlineData("{\"type\":\"publish\",\"topic\":\"orders\",\"message\":{\"id\":{},\"payload\":1},\"request_id\":\"r\"}", "UUID")]
    public async Task Wrong_fields_get_a_clear_BAD_REQUEST_with_the_request_id(string frame, string hint)
    {
        await using var client = await Server.ConnectAsync();
        await client.SendTextAsync(frame);
        WireAssert.IsError(await client.ReceiveAsync(), "BAD_REQUEST", "r", hint);
        await AssertStillServesAsync(client);
    }

    [Fact]
    public async Task Escaped_field_names_are_understood()
    {
        await using var client = await Server.ConnectAsync();
        await client.SendTextAsync("{\"\\u0074ype\":\"ping\",\"request\\u005fid\":\"esc\"}");
        Assert.Equal("esc", (await client.ExpectAsync("pong")).GetProperty("request_id").GetString());
    }

    [Fact]
    public async Task Deeply_nested_JSON_is_refused_not_crashed_on()
    {
        await using var client = await Server.ConnectAsync();
        await client.SendTextAsync(new string('[', 5000) + new string(']', 5000));
        WireAssert.IsError(await client.ReceiveAsync(), "BAD_REQUEST");
        await AssertStillServesAsync(client);
    }

    [Fact]
    public async Task A_frame_over_the_limit_gets_BAD_REQUEST_then_close_1009_and_others_are_unaffected()
    {
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        await using var bystander = await Server.ConnectAsync();
        await bystander.SubscribeAsync(topic);

        await using var client = await Server.ConnectAsync();
        var big = $"{{\"type\":\"publish\",\"topic\":\"{topic}\",\"message\":{{\"payload\":\"{new string('x', 70 * 1024)}\"}}}}";
        await client.SendTextAsync(big);
        var (status, frames) = await client.ReadUntilCloseAsync(Timeouts.Short);
        WireAssert.IsError(Assert.Single(frames), "BAD_REQUEST", null, "limit");
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, status);

        // Nothing of the refused frame was published; the bystander still gets what others publish.
        await bystander.ExpectSilenceAsync();
        var (publishStatus, _) = await Server.SendAsync(HttpMethod.Post, $"/api/topics/{topic}/messages/", "{\"payload\":1}");
        Assert.Equal(201, publishStatus);
        Assert.Equal(1, WireAssert.IsEvent(await bystander.ReceiveAsync(), topic));
    }

    [Fact]
    public async Task A_frame_just_under_the_limit_is_accepted()
    {
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        await using var client = await Server.ConnectAsync();
        var prefix = $"{{\"type\":\"publish\",\"topic\":\"{topic}\",\"message\":{{\"payload\":\"";
        const string suffix = "\"}}";
        var text = prefix + new string('y', (64 * 1024) - prefix.Length - suffix.Length) + suffix;
        Assert.Equal(64 * 1024, System.Text.Encoding.UTF8.GetByteCount(text));
        await client.SendTextAsync(text);
        await client.ExpectAsync("ack");
    }

    [Fact]
    public async Task A_client_that_vanishes_mid_stream_does_not_disturb_others()
    {
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        var vanishing = await Server.ConnectAsync();
        await vanishing.SubscribeAsync(topic);
        await using var steady = await Server.ConnectAsync();
        await steady.SubscribeAsync(topic);
        vanishing.Socket.Abort(); // TCP gone, no close handshake
        vanishing.Socket.Dispose();

        for (var i = 0; i < 50; i++)
        {
            await Server.SendAsync(HttpMethod.Post, $"/api/topics/{topic}/messages/", $"{{\"payload\":{i}}}");
        }

        for (var i = 1; i <= 50; i++)
        {
            Assert.Equal(i, WireAssert.IsEvent(await steady.ReceiveAsync(), topic));
        }

        // The server notices the vanished client and drops its subscription.
        var deadline = DateTime.UtcNow + Timeouts.Short;
        while (Server.Broker.GetSubscribers(topic).Count != 1 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.Single(Server.Broker.GetSubscribers(topic));
    }
}
