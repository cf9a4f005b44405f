using System.Net;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR.Client;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Hub;

/// <summary>Auth (header, query, access token), per-key permissions, the publish rate limit and the message size limit on the hub.</summary>
public sealed class HubAuthAndLimitsTests
{
    private const string AllKey = "all-key-0123456789abcdef";
    private const string ReadOnlyKey = "read-key-0123456789abcdef";

    private static readonly Dictionary<string, string?> AuthOn = new()
    {
        ["PubSub:Auth:Enabled"] = "true",
        ["PubSub:Auth:Keys:0:Key"] = AllKey,
        ["PubSub:Auth:Keys:1:Key"] = ReadOnlyKey,
        ["PubSub:Auth:Keys:1:Operations:0"] = "subscribe",
        ["PubSub:Auth:Keys:1:Topics:0"] = "public.*",
    };

    [Fact]
    public async Task Without_a_key_the_connection_is_refused_with_401()
    {
        await using var server = await TestServer.StartAsync(AuthOn);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => HubTestClient.ConnectAsync(server, HubProtocolKind.Json));

        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
    }

    [Fact]
    public async Task A_wrong_key_is_refused_with_401()
    {
        await using var server = await TestServer.StartAsync(AuthOn);

        var ex = await Assert.ThrowsAsync<HttpRequestException>(() => HubTestClient.ConnectAsync(server, HubProtocolKind.Json, apiKey: "wrong-key-0123456789abcdef"));

        Assert.Equal(HttpStatusCode.Unauthorized, ex.StatusCode);
    }

    [Theory]
    [InlineData("header")]
    [InlineData("api_key")]
    [InlineData("access_token")]
    public async Task A_valid_key_is_accepted_by_header_query_or_access_token(string how)
    {
        await using var server = await TestServer.StartAsync(AuthOn);
        var url = how == "api_key" ? new Uri(server.BaseAddress, $"/hubs/pubsub?api_key={AllKey}") : new Uri(server.BaseAddress, "/hubs/pubsub");
        var connection = new HubConnectionBuilder().WithUrl(url, HttpTransportType.WebSockets, o =>
        {
            if (how == "header")
            {
                o.Headers["X-API-Key"] = AllKey;
            }
            else if (how == "access_token")
            {
                o.AccessTokenProvider = () => Task.FromResult<string?>(AllKey);
            }
        }).Build();
        await using var connectionDisposal = connection.DisposeWithin();

        await connection.StartAsync().Within();
        var result = HubJsonValues.ToJson(await connection.InvokeCoreAsync<object>("Ping", []).Within());

        Assert.True(result.TryGetProperty("ts", out _));
    }

    [Fact]
    public async Task A_key_without_the_permission_gets_FORBIDDEN()
    {
        await using var server = await TestServer.StartAsync(AuthOn);
        await server.SendAsync(HttpMethod.Post, "/api/topics/create/", """{"name":"public.news"}""", AllKey);
        await server.SendAsync(HttpMethod.Post, "/api/topics/create/", """{"name":"private"}""", AllKey);
        await using var client = await HubTestClient.ConnectAsync(server, HubProtocolKind.Json, apiKey: ReadOnlyKey);

        await client.SubscribeAsync("public.news");
        Assert.StartsWith("FORBIDDEN: ", await client.InvokeFailsAsync("Subscribe", HubContractTests.ToRequest("""{"topic":"private","clientId":"c1"}""")));
        Assert.StartsWith("FORBIDDEN: ", await client.InvokeFailsAsync("Publish", HubContractTests.ToRequest("""{"topic":"public.news","payload":1}""")));
    }

    [Fact]
    public async Task Publishing_faster_than_the_limit_gets_RATE_LIMITED()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:RateLimit:PublishesPerSecond"] = "1", ["PubSub:RateLimit:Burst"] = "3" });
        await server.CreateTopicAsync("orders");
        await using var client = await HubTestClient.ConnectAsync(server, HubProtocolKind.Json);

        for (var i = 0; i < 3; i++)
        {
            await client.PublishAsync("orders", i);
        }

        Assert.StartsWith("RATE_LIMITED: ", await client.InvokeFailsAsync("Publish", HubContractTests.ToRequest("""{"topic":"orders","payload":1}""")));
    }

    [Fact]
    public async Task A_request_over_the_size_limit_closes_the_connection()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:Limits:MaxMessageBytes"] = "1024" });
        await server.CreateTopicAsync("orders");
        await using var client = await HubTestClient.ConnectAsync(server, HubProtocolKind.Json);
        await client.PublishAsync("orders", new string('x', 500));

        _ = client.Connection.InvokeCoreAsync<object>("Publish", [HubContractTests.ToRequest($$"""{"topic":"orders","payload":"{{new string('x', 2000)}}"}""")]);

        Assert.NotNull(await client.Closed.Within());
    }
}
