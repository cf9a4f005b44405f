using System.Net.WebSockets;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Protocol.Seed;

/// <summary>Auth in the seed dialect: the same keys and checks as the standard one, refusals as §9 error frames.</summary>
public sealed class SeedAuthTests
{
    private const string SubscribeOrdersKey = "orders-reader-key-0123456789";

    [Fact]
    public async Task The_same_keys_and_checks_apply_and_a_refused_request_creates_no_topic()
    {
        await using var server = await SeedWire.StartAsync(new Dictionary<string, string?>
        {
            ["PubSub:Auth:Enabled"] = "true",
            ["PubSub:Auth:Keys:0:Key"] = SubscribeOrdersKey,
            ["PubSub:Auth:Keys:0:Topics:0"] = "orders*",
            ["PubSub:Auth:Keys:0:Operations:0"] = "subscribe",
        });

        var refused = await Assert.ThrowsAsync<WebSocketException>(() => WsClient.ConnectAsync(server.WsUri, o => o.CollectHttpResponseDetails = true)).Within();
        Assert.Contains("401", refused.Message);

        var (client, _) = await SeedWire.ConnectAsync(server, $"/ws?api_key={SubscribeOrdersKey}");
        await using var __ = client;
        SeedAssert.IsSuccess(await client.SeedSubscribeAsync("orders-eu", "s1", requestId: "ok"), "subscribed", "orders-eu", "s1", "ok");

        await client.SendSubscribeAsync("payments", "s1", requestId: "other-topic");
        SeedAssert.IsError(await client.ReceiveAsync(), "FORBIDDEN", "other-topic", "payments");
        await client.SendPublishAsync("orders-eu", "x", "id-1", requestId: "no-publish");
        SeedAssert.IsError(await client.ReceiveAsync(), "FORBIDDEN", "no-publish", "publish");
        await client.SendPublishAsync("orders-new", "x", "id-2", requestId: "no-create");
        SeedAssert.IsError(await client.ReceiveAsync(), "FORBIDDEN", "no-create");

        Assert.NotNull(await server.Broker.GetTopicAsync("orders-eu"));
        Assert.Null(await server.Broker.GetTopicAsync("payments"));
        Assert.Null(await server.Broker.GetTopicAsync("orders-new"));
    }
}
