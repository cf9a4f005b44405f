using System.Text.Json;
using Microsoft.Extensions.Options;
using PubSub.Tests.Hub;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Limits;

/// <summary>
/// Issue 10, item 6: the limits of PROTOCOL.md §4, each at its value (accepted) and one past it
/// (<c>LIMIT_EXCEEDED</c>, REST 429), on every transport that can reach it.
/// </summary>
public sealed class ResourceLimitTests
{
    private static string Text(int length, char c = 'x') => new(c, length);

    private static Task<TestServer> StartAsync(params (string Key, string Value)[] settings) =>
        TestServer.StartAsync(settings.ToDictionary(s => s.Key, s => (string?)s.Value));

    private static void AssertLimit(JsonElement error, string option)
    {
        Assert.Equal("error", error.GetProperty("type").GetString());
        Assert.Equal("LIMIT_EXCEEDED", error.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains(option, error.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task Subscriptions_per_connection_on_ws()
    {
        await using var server = await StartAsync(("PubSub:Limits:MaxSubscriptionsPerConnection", "3"));
        foreach (var topic in new[] { "a", "b", "c", "d" })
        {
            await server.CreateTopicAsync(topic);
        }

        await using var client = await server.ConnectAsync();
        await client.SubscribeAsync("a");
        await client.SubscribeAsync("b");
        await client.SubscribeAsync("c"); // at the limit
        await client.SubscribeAsync("a"); // again: still one subscription, acked

        await client.SendAsync(new { type = "subscribe", topic = "d", client_id = "s1", request_id = "r4" });
        var error = await client.ExpectAsync("error");
        AssertLimit(error, "MaxSubscriptionsPerConnection");
        Assert.Equal("r4", error.GetProperty("request_id").GetString());

        // Another connection has its own allowance; and room comes back after an unsubscribe.
        await using var other = await server.ConnectAsync();
        await other.SubscribeAsync("d");
        await client.SendAsync(new { type = "unsubscribe", topic = "a", client_id = "s1" });
        await client.ExpectAsync("ack");
        await client.SubscribeAsync("d");
    }

    [Theory]
    [InlineData(HubProtocolKind.Json)]
    [InlineData(HubProtocolKind.MessagePack)]
    public async Task Subscriptions_per_connection_on_the_hub(HubProtocolKind protocol)
    {
        await using var server = await StartAsync(("PubSub:Limits:MaxSubscriptionsPerConnection", "2"));
        foreach (var topic in new[] { "a", "b", "c" })
        {
            await server.CreateTopicAsync(topic);
        }

        await using var hub = await HubTestClient.ConnectAsync(server, protocol);
        await hub.SubscribeAsync("a");
        await hub.SubscribeAsync("b");
        var message = await hub.InvokeFailsAsync("Subscribe", new Dictionary<string, object?> { ["topic"] = "c", ["clientId"] = "c1" });
        Assert.StartsWith("LIMIT_EXCEEDED:", message);
        Assert.Contains("MaxSubscriptionsPerConnection", message);
    }

    [Fact]
    public async Task Topics_on_rest_and_by_auto_create()
    {
        await using var server = await StartAsync(("PubSub:Limits:MaxTopics", "2"), ("PubSub:AutoCreateTopics", "true"));
        Assert.Equal(201, (await server.SendAsync(HttpMethod.Post, "/topics", """{"name":"t1"}""")).Status);
        Assert.Equal(201, (await server.SendAsync(HttpMethod.Post, "/topics", """{"name":"t2"}""")).Status); // at the limit

        var (status, body) = await server.SendAsync(HttpMethod.Post, "/topics", """{"name":"t3"}""");
        Assert.Equal(429, status);
        Assert.Equal("LIMIT_EXCEEDED", body.GetProperty("code").GetString());
        Assert.Contains("MaxTopics", body.GetProperty("error").GetString());

        await using var client = await server.ConnectAsync();
        await client.SendAsync(new { type = "subscribe", topic = "t3", client_id = "s1" });
        AssertLimit(await client.ExpectAsync("error"), "MaxTopics");
        await client.SubscribeAsync("t1"); // existing topics are unaffected

        Assert.Equal(200, (await server.SendAsync(HttpMethod.Delete, "/topics/t2")).Status);
        Assert.Equal(201, (await server.SendAsync(HttpMethod.Post, "/topics", """{"name":"t3"}""")).Status);
    }

    [Fact]
    public async Task Metadata_bytes_on_rest()
    {
        await using var server = await StartAsync(("PubSub:Limits:MaxMetadataBytes", "64"));
        var at = $$"""{"k":"{{Text(64 - 8)}}"}"""; // {"k":"…"} is 8 bytes around the text
        Assert.Equal(64, System.Text.Encoding.UTF8.GetByteCount(at));
        Assert.Equal(201, (await server.SendAsync(HttpMethod.Post, "/topics", $$"""{"name":"m1","metadata":{{at}}}""")).Status);

        var past = $$"""{"k":"{{Text(64 - 8 + 1)}}"}""";
        var (status, body) = await server.SendAsync(HttpMethod.Post, "/topics", $$"""{"name":"m2","metadata":{{past}}}""");
        Assert.Equal(429, status);
        Assert.Equal("LIMIT_EXCEEDED", body.GetProperty("code").GetString());
        Assert.Contains("MaxMetadataBytes", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Ids_of_1024_characters_pass_by_default_on_every_transport()
    {
        await using var server = await StartAsync(("PubSub:RequireUuidMessageIds", "false"));
        await server.CreateTopicAsync("ids");
        var id = Text(1024);

        await using var client = await server.ConnectAsync();
        var ack = await client.SubscribeAsync("ids", clientId: id, requestId: id);
        Assert.Equal(id, ack.GetProperty("request_id").GetString());
        await client.PublishAsync("ids", new { n = 1 }, id: id, requestId: "p", clientId: id);
        var frames = new[] { await client.ReceiveAsync(), await client.ReceiveAsync() };
        Assert.Contains(frames, f => f.GetProperty("type").GetString() == "ack");

        await using var hub = await HubTestClient.ConnectAsync(server, HubProtocolKind.Json);
        await hub.SubscribeAsync("ids", clientId: id);
        Assert.Equal(201, (await server.SendAsync(HttpMethod.Post, "/api/topics/ids/messages/", JsonSerializer.Serialize(new { id = Text(1024, 'y'), payload = 1 }))).Status);
    }

    /// <summary>An operator may choose ids shorter than v1 clients' (PROTOCOL.md §4: only the default must take those).</summary>
    [Fact]
    public async Task Ids_past_a_strict_MaxIdLength_are_refused_on_every_transport()
    {
        await using var server = await StartAsync(("PubSub:RequireUuidMessageIds", "false"), ("PubSub:Limits:MaxIdLength", "64"));
        await server.CreateTopicAsync("ids");
        var past = Text(65);

        await using var client = await server.ConnectAsync();
        await client.SendAsync(new { type = "subscribe", topic = "ids", client_id = past, request_id = "r1" });
        AssertLimit(await client.ExpectAsync("error"), "MaxIdLength");
        await client.SendAsync(new { type = "ping", request_id = past });
        var error = await client.ExpectAsync("error");
        AssertLimit(error, "MaxIdLength");
        Assert.False(error.TryGetProperty("request_id", out _)); // never echoed
        await client.PublishAsync("ids", new { n = 1 }, id: past, requestId: "r2");
        AssertLimit(await client.ExpectAsync("error"), "MaxIdLength");
        await client.PublishAsync("ids", new { n = 1 }, id: "ok", requestId: "r3", clientId: past);
        AssertLimit(await client.ExpectAsync("error"), "MaxIdLength");

        await using var hub = await HubTestClient.ConnectAsync(server, HubProtocolKind.Json);
        Assert.StartsWith("LIMIT_EXCEEDED:", await hub.InvokeFailsAsync("Subscribe", new Dictionary<string, object?> { ["topic"] = "ids", ["clientId"] = past }));
        Assert.StartsWith("LIMIT_EXCEEDED:", await hub.InvokeFailsAsync("Publish", new Dictionary<string, object?> { ["topic"] = "ids", ["payload"] = 1, ["id"] = past }));

        var (status, body) = await server.SendAsync(HttpMethod.Post, "/api/topics/ids/messages/", JsonSerializer.Serialize(new { id = past, payload = 1 }));
        Assert.Equal(429, status);
        Assert.Equal("LIMIT_EXCEEDED", body.GetProperty("code").GetString());
    }

    [Theory]
    [InlineData("PubSub:Limits:MaxSubscriptionsPerConnection", "0")]
    [InlineData("PubSub:Limits:MaxTopics", "0")]
    [InlineData("PubSub:Limits:MaxMetadataBytes", "1")]
    [InlineData("PubSub:Limits:MaxIdLength", "0")]
    [InlineData("PubSub:Queue:MaxBytes", "1023")]
    public async Task A_bad_limit_fails_the_start(string key, string value)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => StartAsync((key, value))).Within();
        Assert.Contains(key, ex.Message);
    }
}
