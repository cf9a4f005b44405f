using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Protocol.Seed;

/// <summary>Servers, connections and requests in the seed dialect (PROTOCOL.md §9).</summary>
internal static class SeedWire
{
    public const string DialectKey = "PubSub:WebSocket:Dialect";

    /// <summary>A server with <c>Dialect=Seed</c> and any further settings.</summary>
    public static Task<TestServer> StartAsync(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var all = new Dictionary<string, string?>(settings ?? new Dictionary<string, string?>()) { [DialectKey] = "Seed" };
        return TestServer.StartAsync(all, services);
    }

    /// <summary>Connects and reads the <c>connected</c> frame, which must come first.</summary>
    public static async Task<(WsClient Client, JsonElement Connected)> ConnectAsync(TestServer server, string path = "/ws")
    {
        var client = await WsClient.ConnectAsync(new Uri($"ws://{server.BaseAddress.Authority}{path}"));
        return (client, await client.ExpectAsync("connected"));
    }

    public static async Task<WsClient> ConnectClientAsync(TestServer server) => (await ConnectAsync(server)).Client;

    public static Task SendSubscribeAsync(this WsClient client, string topic, string clientId, int? lastN = null, string? requestId = null)
    {
        var frame = new Dictionary<string, object?> { ["type"] = "subscribe", ["topic"] = topic, ["client_id"] = clientId };
        if (lastN is not null)
        {
            frame["last_n"] = lastN;
        }

        if (requestId is not null)
        {
            frame["request_id"] = requestId;
        }

        return client.SendAsync(frame);
    }

    /// <summary>Subscribes and reads the <c>subscribed</c> reply (replayed messages, if any, follow it).</summary>
    public static async Task<JsonElement> SeedSubscribeAsync(this WsClient client, string topic, string clientId = "s1", int? lastN = null, string? requestId = null)
    {
        await client.SendSubscribeAsync(topic, clientId, lastN, requestId);
        return await client.ExpectAsync("subscribed");
    }

    /// <summary>Sends a publish; <paramref name="id"/> null leaves <c>message.id</c> out.</summary>
    public static Task SendPublishAsync(this WsClient client, string topic, object payload, string? id, string? clientId = "p1", string? requestId = null)
    {
        var message = new Dictionary<string, object?> { ["payload"] = payload };
        if (id is not null)
        {
            message["id"] = id;
        }

        var frame = new Dictionary<string, object?> { ["type"] = "publish", ["topic"] = topic, ["message"] = message };
        if (clientId is not null)
        {
            frame["client_id"] = clientId;
        }

        if (requestId is not null)
        {
            frame["request_id"] = requestId;
        }

        return client.SendAsync(frame);
    }

    /// <summary>Publishes and reads the <c>published</c> reply (a connection subscribed to the topic gets no other frame first: see callers).</summary>
    public static async Task<JsonElement> SeedPublishAsync(this WsClient client, string topic, object payload, string? id = null, string? clientId = "p1", string? requestId = null)
    {
        await client.SendPublishAsync(topic, payload, id ?? Guid.NewGuid().ToString(), clientId, requestId);
        return await client.ExpectAsync("published");
    }
}

/// <summary>Assertions on seed-dialect frames (PROTOCOL.md §9).</summary>
internal static partial class SeedAssert
{
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")]
    private static partial Regex IsoUtc();

    /// <summary>The frame's type, an ISO-8601 UTC <c>timestamp</c>, and no <c>ts</c> (§9).</summary>
    public static void HasTypeAndTimestamp(JsonElement frame, string type)
    {
        Assert.True(frame.GetProperty("type").GetString() == type, $"expected a '{type}' frame, got {frame}");
        Assert.Matches(IsoUtc(), frame.GetProperty("timestamp").GetString());
        Assert.False(frame.TryGetProperty("ts", out _), $"no ts expected in {frame}");
    }

    /// <summary>A <c>subscribed</c>, <c>unsubscribed</c> or <c>published</c> reply: status success, topic, client_id, request_id.</summary>
    public static void IsSuccess(JsonElement frame, string type, string topic, string? clientId, string? requestId)
    {
        HasTypeAndTimestamp(frame, type);
        Assert.Equal("success", frame.GetProperty("status").GetString());
        Assert.Equal(topic, frame.GetProperty("topic").GetString());
        Assert.Equal(clientId, frame.GetProperty("client_id").GetString());
        RequestId(frame, requestId, alwaysPresent: true);
    }

    /// <summary>A <c>message</c> frame of <paramref name="topic"/>; returns its message object.</summary>
    public static JsonElement IsMessage(JsonElement frame, string topic, string? publisher)
    {
        Assert.True(frame.GetProperty("type").GetString() == "message", $"expected a 'message' frame, got {frame}");
        Assert.False(frame.TryGetProperty("ts", out _), $"no ts expected in {frame}");
        Assert.Equal(topic, frame.GetProperty("topic").GetString());
        Assert.Equal(publisher, frame.GetProperty("publisher_client_id").GetString()); // present, null when none
        var message = frame.GetProperty("message");
        Assert.Equal(JsonValueKind.String, message.GetProperty("id").ValueKind);
        Assert.True(message.TryGetProperty("payload", out _), $"no payload in {frame}");
        Assert.Matches(IsoUtc(), message.GetProperty("timestamp").GetString());
        return message;
    }

    /// <summary>The seq that a <c>message</c> frame carries beside §9's fields.</summary>
    public static long Seq(JsonElement frame) => frame.GetProperty("seq").GetInt64();

    /// <summary>An error: the text as a plain string, the §3 code beside it, request_id only when the request had one.</summary>
    public static string IsError(JsonElement frame, string code, string? requestId = null, string? textContains = null)
    {
        HasTypeAndTimestamp(frame, "error");
        var text = frame.GetProperty("error").GetString();
        Assert.False(string.IsNullOrWhiteSpace(text), $"error text expected in {frame}");
        Assert.Equal(code, frame.GetProperty("code").GetString());
        RequestId(frame, requestId, alwaysPresent: false);
        if (textContains is not null)
        {
            Assert.Contains(textContains, text, StringComparison.OrdinalIgnoreCase);
        }

        return text!;
    }

    private static void RequestId(JsonElement frame, string? requestId, bool alwaysPresent)
    {
        if (requestId is not null)
        {
            Assert.Equal(requestId, frame.GetProperty("request_id").GetString());
        }
        else if (alwaysPresent)
        {
            Assert.Equal(JsonValueKind.Null, frame.GetProperty("request_id").ValueKind);
        }
        else
        {
            Assert.False(frame.TryGetProperty("request_id", out _), $"no request_id expected in {frame}");
        }
    }
}
