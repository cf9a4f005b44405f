using System.Text.Json;
using PubSub.Tests.Infrastructure;
using PubSub.Tests.Tenants;

namespace PubSub.Tests.Cluster;

/// <summary>
/// The control plane stays small (PROTOCOL.md §8): connection lists are paged, and no node's answer travels as one large
/// message on the subscription link that carries topic events. Real servers on a real redis-server of their own.
/// </summary>
public sealed class ConnectionListingTests
{
    private const int Many = 10_000;

    [SkippableFact]
    public async Task Ten_thousand_connections_listed_from_several_pages_at_once_lose_no_event_on_a_small_pubsub_buffer()
    {
        RedisServer.SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync();

        // Redis drops a subscriber whose output buffer passes 256 KiB: one unpaged answer of 10,000 connections (~5 MB)
        // on the event link would do that at once.
        await redis.CliAsync("CONFIG", "SET", "client-output-buffer-limit", "pubsub 256kb 64kb 5");
        var settings = Cluster.Settings(redis, $"listing:{Guid.NewGuid():N}:", new Dictionary<string, string?>
        {
            ["PubSub:Cluster:ReportInterval"] = "00:00:00.25",
            ["PubSub:Cluster:RequestTimeout"] = "00:00:10",
        });
        await using var a = await TestServer.StartAsync(settings);
        await using var b = await TestServer.StartAsync(settings);
        await a.CreateTopicAsync("live");
        await using var onA = await a.ConnectAsync();
        await onA.SubscribeAsync("live");
        await using var onB = await b.ConnectAsync();
        await onB.SubscribeAsync("live");

        // The 10,000 are registered with B's broker directly (what is under test is listing them, not opening sockets),
        // each with a long user agent so that the pages are large.
        var agent = new string('u', 300);
        for (var i = 0; i < Many; i++)
        {
            b.Broker.Connect("ws", "10.20.30.40", agent);
        }

        await Waits.UntilAsync(() => a.Broker.ClusterConnectionCount >= Many + 2);
        var linksBefore = await PubSubLinksAsync(redis);

        const int Messages = 200;
        var publishing = Task.Run(async () =>
        {
            for (var i = 0; i < Messages; i++)
            {
                Assert.Equal(201, (await a.SendAsync(HttpMethod.Post, "/api/topics/live/messages/", JsonSerializer.Serialize(new { payload = new { n = i } }))).Status);
            }
        });
        var walkers = Enumerable.Range(0, 4).Select(_ => Task.Run(() => Tenancy.ListAllAsync(a, key: null, limit: 1000))).ToList();
        var listings = await Task.WhenAll(walkers).Within(Timeouts.Long);
        await publishing.Within(Timeouts.Long);

        foreach (var listing in listings)
        {
            var ids = listing.Select(c => c.GetProperty("id").GetString()).ToList();
            Assert.Equal(ids.Count, ids.Distinct().Count());
            Assert.InRange(ids.Count, Many + 2, Many + 10);
            Assert.Equal(Many, listing.Count(c => Tenancy.Agent(c) == agent));
        }

        foreach (var subscriber in new[] { onA, onB })
        {
            var frames = await subscriber.ReadEventsThroughAsync(Messages);
            Assert.Equal(Enumerable.Range(1, Messages).Select(n => (long)n), frames.EventSeqs());
            Assert.DoesNotContain(frames, f => f.GetProperty("type").GetString() == "info");
        }

        // Neither node's subscription link was dropped by Redis (it would have come back under another client id).
        Assert.Equal(linksBefore, await PubSubLinksAsync(redis));
    }

    [Fact]
    public async Task A_page_asks_for_at_most_a_thousand_and_a_cursor_not_written_by_the_server_is_a_bad_request()
    {
        await using var server = await TestServer.StartAsync();
        Assert.Equal(400, (await server.SendAsync(HttpMethod.Get, "/api/connections/?limit=1001")).Status);
        Assert.Equal(400, (await server.SendAsync(HttpMethod.Get, "/api/connections/?limit=0")).Status);
        Assert.Equal(400, (await server.SendAsync(HttpMethod.Get, "/api/connections/?cursor=nonsense")).Status);

        for (var i = 0; i < 5; i++)
        {
            server.Broker.Connect("ws");
        }

        var (_, first) = await server.SendAsync(HttpMethod.Get, "/api/connections/?limit=2");
        Assert.Equal(2, first.GetProperty("connections").GetArrayLength());
        var all = await Tenancy.ListAllAsync(server, key: null, limit: 2);
        Assert.Equal(5, all.Select(c => c.GetProperty("id").GetString()).Distinct().Count());
        var (_, whole) = await server.SendAsync(HttpMethod.Get, "/api/connections/");
        Assert.Equal(JsonValueKind.Null, whole.GetProperty("next_cursor").ValueKind);
    }

    private static async Task<string> PubSubLinksAsync(RedisServer redis) =>
        string.Join(",", (await redis.CliAsync("CLIENT", "LIST", "TYPE", "pubsub")).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ')[0]).Order(StringComparer.Ordinal));
}
