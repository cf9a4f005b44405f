using System.Net;
using System.Net.WebSockets;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Protocol;

/// <summary>PROTOCOL.md §4 auth: API keys by header or query; 401 before the upgrade; per-topic and per-operation FORBIDDEN.</summary>
public sealed class AuthTests : IAsyncLifetime
{
    private const string FullKey = "full-access-key-0123456789";
    private const string LimitedKey = "orders-reader-key-0123456789";
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["PubSub:Auth:Enabled"] = "true",
            ["PubSub:Auth:Keys:0:Key"] = FullKey,
            ["PubSub:Auth:Keys:0:Name"] = "admin",
            ["PubSub:Auth:Keys:1:Key"] = LimitedKey,
            ["PubSub:Auth:Keys:1:Topics:0"] = "orders*",
            ["PubSub:Auth:Keys:1:Operations:0"] = "subscribe",
        });
        var (status, _) = await _server.SendAsync(HttpMethod.Post, "/topics", "{\"name\":\"orders-eu\"}", FullKey);
        Assert.Equal(201, status);
        (status, _) = await _server.SendAsync(HttpMethod.Post, "/topics", "{\"name\":\"payments\"}", FullKey);
        Assert.Equal(201, status);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("/api/topics/")]
    [InlineData("/topics")]
    [InlineData("/api/stats/")]
    [InlineData("/api/topics/orders-eu/messages/")]
    public async Task REST_without_a_valid_key_is_401_JSON(string path)
    {
        var (status, body) = await _server.SendAsync(HttpMethod.Get, path);
        Assert.Equal(401, status);
        Assert.Contains("API key", body.GetProperty("error").GetString());
        (status, _) = await _server.SendAsync(HttpMethod.Get, path, apiKey: "wrong-key-wrong-key-wrong");
        Assert.Equal(401, status);
        (status, _) = await _server.SendAsync(HttpMethod.Get, path, apiKey: FullKey);
        Assert.Equal(200, status);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/api/health/")]
    public async Task Health_stays_open_for_probes(string path)
    {
        var (status, body) = await _server.SendAsync(HttpMethod.Get, path);
        Assert.Equal(200, status);
        Assert.Equal(2, body.GetProperty("topics").GetInt32());
    }

    [Fact]
    public async Task The_api_key_query_parameter_works_for_REST()
    {
        using var response = await _server.Http.GetAsync($"/api/topics/?api_key={FullKey}").Within();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task A_WebSocket_upgrade_without_a_key_is_refused_with_HTTP_401_before_the_upgrade()
    {
        var exception = await Assert.ThrowsAsync<WebSocketException>(() => WsClient.ConnectAsync(_server.WsUri, o => o.CollectHttpResponseDetails = true)).Within();
        Assert.Contains("401", exception.Message);
    }

    [Fact]
    public async Task WebSocket_clients_authenticate_by_header_or_query()
    {
        await using var byHeader = await WsClient.ConnectAsync(_server.WsUri, o => o.SetRequestHeader("X-API-Key", FullKey));
        await byHeader.SubscribeAsync("payments");
        await using var byQuery = await WsClient.ConnectAsync(new Uri($"{_server.WsUri}?api_key={FullKey}"));
        await byQuery.SubscribeAsync("payments");
    }

    [Fact]
    public async Task A_key_limited_to_topics_and_operations_gets_FORBIDDEN_beyond_them()
    {
        await using var client = await WsClient.ConnectAsync(new Uri($"{_server.WsUri}?api_key={LimitedKey}"));
        await client.SubscribeAsync("orders-eu");

        await client.SendAsync(new { type = "subscribe", topic = "payments", client_id = "c", request_id = "s" });
        WireAssert.IsError(await client.ReceiveAsync(), "FORBIDDEN", "s");
        await client.PublishAsync("orders-eu", new { }, requestId: "p");
        WireAssert.IsError(await client.ReceiveAsync(), "FORBIDDEN", "p");

        var (status, body) = await _server.SendAsync(HttpMethod.Post, "/topics", "{\"name\":\"orders-us\"}", LimitedKey);
        Assert.Equal(403, status);
        Assert.Equal("FORBIDDEN", body.GetProperty("code").GetString());
        (status, _) = await _server.SendAsync(HttpMethod.Delete, "/topics/orders-eu", apiKey: LimitedKey);
        Assert.Equal(403, status);
        (status, _) = await _server.SendAsync(HttpMethod.Post, "/api/topics/orders-eu/messages/", "{\"payload\":1}", LimitedKey);
        Assert.Equal(403, status);
        (status, _) = await _server.SendAsync(HttpMethod.Get, "/api/topics/payments/messages/", apiKey: LimitedKey);
        Assert.Equal(403, status);

        // History is read, which this key lacks (ReadAccessTests covers read itself).
        (status, _) = await _server.SendAsync(HttpMethod.Get, "/api/topics/orders-eu/messages/", apiKey: LimitedKey);
        Assert.Equal(403, status);
    }
}
