using System.Net.WebSockets;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Protocol.Seed;

/// <summary>Auth and rate limits in the seed dialect: the same keys, checks and buckets as the standard one, refusals as §9 error frames.</summary>
public sealed class SeedAccessTests
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

        // The seed creates topics on first use; that is a create, which needs manage (PROTOCOL.md §4): this key has not.
        var (client, _) = await SeedWire.ConnectAsync(server, $"/ws?api_key={SubscribeOrdersKey}");
        await using var __ = client;
        await client.SendSubscribeAsync("orders-eu", "s1", requestId: "no-manage");
        SeedAssert.IsError(await client.ReceiveAsync(), "FORBIDDEN", "no-manage", "create");
        Assert.Null(await server.Broker.GetTopicAsync("orders-eu"));
        await server.Broker.CreateTopicAsync("orders-eu");
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

    [Fact]
    public async Task Publishes_beyond_the_rate_limit_get_a_RATE_LIMITED_seed_error_and_the_connection_stays()
    {
        await using var server = await SeedWire.StartAsync(new Dictionary<string, string?>
        {
            ["PubSub:RateLimit:PublishesPerSecond"] = "2",
            ["PubSub:RateLimit:Burst"] = "2",
        });
        await using var client = await SeedWire.ConnectClientAsync(server);
        for (var i = 0; i < 12; i++)
        {
            await client.SendPublishAsync("limited", i, $"id-{i}", requestId: $"r{i}");
        }

        var published = 0;
        for (var i = 0; i < 12; i++)
        {
            var frame = await client.ReceiveAsync();
            if (frame.GetProperty("type").GetString() == "published")
            {
                SeedAssert.IsSuccess(frame, "published", "limited", "p1", $"r{i}");
                published++;
            }
            else
            {
                SeedAssert.IsError(frame, "RATE_LIMITED", $"r{i}", "rate limit");
            }
        }

        Assert.InRange(published, 2, 10); // the burst, plus at most a few refills while the 12 went out
        await client.SendAsync(new { type = "ping", request_id = "still" });
        await client.ExpectAsync("pong");
    }
}
