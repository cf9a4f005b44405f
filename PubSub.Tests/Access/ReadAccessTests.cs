using System.Text.Json;
using PubSub.Tests.Hub;
using PubSub.Tests.Infrastructure;
using PubSub.Tests.Protocol;

namespace PubSub.Tests.Access;

/// <summary>
/// PROTOCOL.md §4 "Reading": <c>read</c> guards a topic's details, subscribers and history on REST; lists and stats
/// show a scoped key only its topics, on REST and the hub; <c>read</c> grants nothing else on <c>/ws</c> or the hub.
/// </summary>
public sealed class ReadAccessTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await AccessKeys.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("/api/topics/{0}/")]
    [InlineData("/topics/{0}")]
    [InlineData("/api/topics/{0}/subscribers/")]
    [InlineData("/topics/{0}/subscribers")]
    [InlineData("/api/topics/{0}/messages/")]
    [InlineData("/topics/{0}/messages")]
    public async Task Details_subscribers_and_history_need_read_on_the_topic(string path)
    {
        Assert.Equal(200, await StatusAsync(path, "orders-eu", AccessKeys.OrdersReader));
        Assert.Equal(200, await StatusAsync(path, "orders-eu", AccessKeys.Admin));

        // Subscribe is not read; a topic outside the scope is refused, whether it exists or not.
        Assert.Equal(403, await StatusAsync(path, "orders-eu", AccessKeys.OrdersSubscriber));
        Assert.Equal(403, await StatusAsync(path, "payments", AccessKeys.OrdersReader));
        Assert.Equal(403, await StatusAsync(path, "no-such-topic", AccessKeys.OrdersReader));
        Assert.Equal(404, await StatusAsync(path, "orders-none", AccessKeys.OrdersReader));
    }

    [Theory]
    [InlineData("/api/topics/")]
    [InlineData("/topics")]
    public async Task The_topic_list_shows_a_scoped_key_only_its_topics(string path)
    {
        Assert.Equal(["orders-eu", "orders-us"], await ListAsync(path, AccessKeys.OrdersSubscriber));
        Assert.Equal(["orders-eu", "orders-us"], await ListAsync(path, AccessKeys.OrdersReader));
        Assert.Equal(["orders-eu", "orders-us", "payments"], await ListAsync(path, AccessKeys.Admin));
    }

    [Theory]
    [InlineData("/api/stats/")]
    [InlineData("/stats")]
    public async Task Stats_show_a_scoped_key_only_its_topics(string path)
    {
        var (status, body) = await _server.SendAsync(HttpMethod.Get, path, apiKey: AccessKeys.OrdersSubscriber);
        Assert.Equal(200, status);
        Assert.Equal(["orders-eu", "orders-us"], body.GetProperty("topics").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));

        (_, body) = await _server.SendAsync(HttpMethod.Get, path, apiKey: AccessKeys.Admin);
        Assert.Equal(3, body.GetProperty("topics").EnumerateObject().Count());
    }

    [Fact]
    public async Task Health_stays_open_and_gives_counts_only()
    {
        var (status, body) = await _server.SendAsync(HttpMethod.Get, "/health");

        Assert.Equal(200, status);
        Assert.Equal(3, body.GetProperty("topics").GetInt32());
        Assert.DoesNotContain("orders", body.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Read_grants_neither_subscribe_nor_publish_on_ws()
    {
        await using var client = await WsClient.ConnectAsync(new Uri($"{_server.WsUri}?api_key={AccessKeys.OrdersReader}"));

        await client.SendAsync(new { type = "subscribe", topic = "orders-eu", client_id = "c", request_id = "s" });
        WireAssert.IsError(await client.ReceiveAsync(), "FORBIDDEN", "s");
        await client.PublishAsync("orders-eu", new { }, requestId: "p");
        WireAssert.IsError(await client.ReceiveAsync(), "FORBIDDEN", "p");
    }

    [Fact]
    public async Task On_the_hub_ListTopics_is_scoped_and_read_grants_no_subscribe()
    {
        await using var scoped = await HubTestClient.ConnectAsync(_server, HubProtocolKind.Json, apiKey: AccessKeys.OrdersReader);
        await using var admin = await HubTestClient.ConnectAsync(_server, HubProtocolKind.Json, apiKey: AccessKeys.Admin);

        Assert.Equal(["orders-eu", "orders-us"], Names(await scoped.InvokeAsync("ListTopics")));
        Assert.Equal(["orders-eu", "orders-us", "payments"], Names(await admin.InvokeAsync("ListTopics")));
        Assert.StartsWith("FORBIDDEN: ", await scoped.InvokeFailsAsync("Subscribe", HubContractTests.ToRequest("""{"topic":"orders-eu","clientId":"c1"}""")));
    }

    private static string[] Names(JsonElement topics) => topics.EnumerateArray().Select(t => t.GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToArray();

    private async Task<int> StatusAsync(string pattern, string topic, string key) =>
        (await _server.SendAsync(HttpMethod.Get, string.Format(System.Globalization.CultureInfo.InvariantCulture, pattern, topic), apiKey: key)).Status;

    private async Task<string[]> ListAsync(string path, string key)
    {
        var (status, body) = await _server.SendAsync(HttpMethod.Get, path, apiKey: key);
        Assert.Equal(200, status);
        return body.GetProperty("topics").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).Order(StringComparer.Ordinal).ToArray();
    }
}
