using System.Collections.Concurrent;
using System.Text.Json;
using PubSub.Dashboard.Services;
using PubSub.Tests.Hub;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Cluster;

/// <summary>
/// PROTOCOL.md §8 over real servers on one real Redis: two or three nodes act as one broker for every transport.
/// Run against a redis-server (<see cref="ClusterOnOneRedisTests"/>) and a Redis Cluster (<see cref="ClusterOnRedisClusterTests"/>,
/// §12), each shared by its class; a key prefix of its own per test (each test is its own broker).
/// </summary>
public abstract class ClusterTests
{
    /// <summary>The nodes' <c>PubSub:Redis:Configuration</c>; skips the test where Redis is not installed.</summary>
    protected abstract string Configuration { get; }

    [SkippableFact]
    public async Task A_publish_on_A_reaches_ws_hub_REST_and_dashboard_subscribers_on_B()
    {
        var (a, b) = await TwoAsync();
        try
        {
            await a.CreateTopicAsync("orders");
            await using var ws = await b.ConnectAsync();
            await ws.SubscribeAsync("orders");
            await using var hub = await HubTestClient.ConnectAsync(b, HubProtocolKind.Json);
            await hub.SubscribeAsync("orders");
            var dashboard = new LiveSubscriber(b.Broker, TimeProvider.System);
            await using var dashboardDisposal = dashboard.DisposeWithin();
            await dashboard.SubscribeAsync("orders", lastN: 0).Within();

            var (status, body) = await a.PublishRestAsync("orders", new { order_id = "ORD-1" });
            Assert.Equal(201, status);
            Assert.Equal(1, body.GetProperty("seq").GetInt64());

            var wsEvent = await ws.ExpectAsync("event");
            Assert.Equal(1, wsEvent.GetProperty("seq").GetInt64());
            Assert.Equal("ORD-1", wsEvent.GetProperty("message").GetProperty("payload").GetProperty("order_id").GetString());
            var hubEvent = await hub.ExpectAsync("Event");
            Assert.Equal(1, hubEvent.GetProperty("seq").GetInt64());
            await WaitUntilAsync(() => dashboard.Messages().Count == 1, "the dashboard subscriber on B gets the event");
            Assert.Equal(1, dashboard.Messages()[0].Message.Seq);

            var (pageStatus, page) = await b.SendAsync(HttpMethod.Get, "/api/topics/orders/messages/");
            Assert.Equal(200, pageStatus);
            Assert.Equal("ORD-1", page.GetProperty("messages")[0].GetProperty("payload").GetProperty("order_id").GetString());
        }
        finally
        {
            await Cluster.StopAsync([a, b]);
        }
    }

    [SkippableFact]
    public async Task Concurrent_publishers_on_every_node_give_every_subscriber_one_identical_order()
    {
        var nodes = await Cluster.StartAsync(Configuration, 3);
        try
        {
            await nodes[0].CreateTopicAsync("t");
            var subscribers = new List<WsClient>();
            foreach (var node in nodes)
            {
                for (var i = 0; i < 2; i++)
                {
                    var client = await node.ConnectAsync();
                    await client.SubscribeAsync("t");
                    subscribers.Add(client);
                }
            }

            const int each = 100;
            var acks = new ConcurrentBag<long>();
            await Task.WhenAll(nodes.Select((node, p) => Task.Run(async () =>
            {
                await using var publisher = await node.ConnectAsync();
                for (var i = 0; i < each; i++)
                {
                    await publisher.PublishAsync("t", new { p, i }, requestId: $"{p}-{i}", clientId: $"pub{p}");
                    var ack = await publisher.ExpectAsync("ack");
                    acks.Add(ack.GetProperty("seq").GetInt64());
                }
            }))).Within(Timeouts.Long);

            var total = nodes.Length * each;
            Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), acks.Order());
            List<string>? reference = null;
            foreach (var subscriber in subscribers)
            {
                var events = (await subscriber.ReadEventsThroughAsync(total)).Where(f => f.GetProperty("type").GetString() == "event").ToList();
                Assert.Equal(Enumerable.Range(1, total).Select(i => (long)i), events.EventSeqs());
                var order = events.Select(e => e.GetProperty("message").GetProperty("payload").GetRawText()).ToList();
                reference ??= order;
                Assert.Equal(reference, order);

                // Each publisher's messages in the order it sent them.
                for (var p = 0; p < nodes.Length; p++)
                {
                    var mine = events.Select(e => e.GetProperty("message").GetProperty("payload"))
                        .Where(x => x.GetProperty("p").GetInt32() == p).Select(x => x.GetProperty("i").GetInt32()).ToList();
                    Assert.Equal(Enumerable.Range(0, each), mine);
                }

                await subscriber.DisposeAsync();
            }
        }
        finally
        {
            await Cluster.StopAsync(nodes);
        }
    }

    [SkippableFact]
    public async Task Last_n_and_since_seq_on_B_replay_what_was_published_on_A()
    {
        var (a, b) = await TwoAsync();
        try
        {
            await a.CreateTopicAsync("t");
            for (var i = 1; i <= 10; i++)
            {
                Assert.Equal(201, (await a.PublishRestAsync("t", new { i })).Status);
            }

            await using var last = await b.ConnectAsync();
            var ack = await last.SubscribeAsync("t", lastN: 5);
            Assert.Equal(10, ack.GetProperty("seq").GetInt64());
            var epoch = ack.GetProperty("epoch").GetString();
            Assert.False(string.IsNullOrEmpty(epoch));
            Assert.Equal([6L, 7, 8, 9, 10], (await last.ReadEventsThroughAsync(10)).EventSeqs());

            await using var resume = await b.ConnectAsync();
            await resume.SendAsync(new { type = "subscribe", topic = "t", client_id = "r", since_seq = 7, epoch });
            var resumed = await resume.ExpectAsync("ack");
            Assert.False(resumed.GetProperty("gap").GetBoolean());
            Assert.Equal(epoch, resumed.GetProperty("epoch").GetString());
            Assert.Equal([8L, 9, 10], (await resume.ReadEventsThroughAsync(10)).EventSeqs());

            // A live publish on A follows the replay on B, with nothing in between.
            await a.PublishRestAsync("t", new { i = 11 });
            Assert.Equal([11L], (await resume.ReadEventsThroughAsync(11)).EventSeqs());
        }
        finally
        {
            await Cluster.StopAsync([a, b]);
        }
    }

    [SkippableFact]
    public async Task A_topic_created_on_A_is_usable_on_B_at_once_and_deleted_on_B_tells_subscribers_on_A()
    {
        var (a, b) = await TwoAsync();
        try
        {
            using var meta = JsonDocument.Parse("{\"name\":\"orders\",\"metadata\":{\"team\":\"x\"}}");
            Assert.Equal(201, (await a.SendAsync(HttpMethod.Post, "/api/topics/create/", meta.RootElement.GetRawText())).Status);
            var (status, detail) = await b.SendAsync(HttpMethod.Get, "/api/topics/orders/");
            Assert.Equal(200, status);
            Assert.Equal("x", detail.GetProperty("metadata").GetProperty("team").GetString());
            // The list is B's cached one: it has the topic once B hears A's create on the bus, and never later than the
            // cache's age (TopicCatalog.MaxAge, 1 s); a request that races the event may still get the list before it.
            await Waits.UntilAsync(async () => (await b.SendAsync(HttpMethod.Get, "/topics")).Body.GetProperty("topics").EnumerateArray()
                .Any(t => t.GetProperty("name").GetString() == "orders"), TimeSpan.FromSeconds(2));
            Assert.Equal(409, (await b.SendAsync(HttpMethod.Post, "/topics", "{\"name\":\"orders\"}")).Status);

            await using var onA = await a.ConnectAsync();
            await onA.SubscribeAsync("orders");
            await using var publisherOnB = await b.ConnectAsync();
            await publisherOnB.PublishAsync("orders", new { n = 1 }, requestId: "p1");
            Assert.Equal(1, (await publisherOnB.ExpectAsync("ack")).GetProperty("seq").GetInt64());
            Assert.Equal(1, (await onA.ExpectAsync("event")).GetProperty("seq").GetInt64());

            Assert.Equal(200, (await b.SendAsync(HttpMethod.Delete, "/api/topics/orders/")).Status);
            var info = await onA.ExpectAsync("info");
            Assert.Equal("topic_deleted", info.GetProperty("msg").GetString());
            Assert.Equal("orders", info.GetProperty("topic").GetString());
            Assert.Equal(404, (await a.SendAsync(HttpMethod.Get, "/api/topics/orders/")).Status);
            await publisherOnB.PublishAsync("orders", new { n = 2 }, requestId: "p2");
            Assert.Equal("TOPIC_NOT_FOUND", (await publisherOnB.ExpectAsync("error")).GetProperty("error").GetProperty("code").GetString());
        }
        finally
        {
            await Cluster.StopAsync([a, b]);
        }
    }

    [SkippableFact]
    public async Task Hub_subscribers_on_B_get_the_epoch_and_events_published_on_A()
    {
        var (a, b) = await TwoAsync();
        try
        {
            await a.CreateTopicAsync("t");
            await a.PublishRestAsync("t", new { n = 1 });
            await using var hub = await HubTestClient.ConnectAsync(b, HubProtocolKind.MessagePack);
            var result = await hub.SubscribeAsync("t", lastN: 1);
            Assert.Equal(1, result.GetProperty("seq").GetInt64());
            Assert.False(string.IsNullOrEmpty(result.GetProperty("epoch").GetString()));
            Assert.Equal(1, (await hub.ExpectAsync("Event")).GetProperty("seq").GetInt64());
            await using var wsOnA = await a.ConnectAsync();
            await wsOnA.PublishAsync("t", new { n = 2 }, requestId: "r");
            await wsOnA.ExpectAsync("ack");
            Assert.Equal(2, (await hub.ExpectAsync("Event")).GetProperty("seq").GetInt64());
        }
        finally
        {
            await Cluster.StopAsync([a, b]);
        }
    }

    private async Task<(TestServer A, TestServer B)> TwoAsync()
    {
        var nodes = await Cluster.StartAsync(Configuration, 2);
        return (nodes[0], nodes[1]);
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > (timeout ?? Timeouts.Short))
            {
                throw new Xunit.Sdk.XunitException($"timed out waiting until {what}");
            }

            await Task.Delay(10); // polling a state that raises no event of its own, bounded by the deadline above
        }
    }
}

/// <summary>The multi-node tests on one redis-server.</summary>
public sealed class ClusterOnOneRedisTests(RedisFixture redis) : ClusterTests, IClassFixture<RedisFixture>
{
    protected override string Configuration
    {
        get
        {
            RedisServer.SkipUnlessAvailable();
            return redis.Server.Configuration;
        }
    }
}

/// <summary>
/// The multi-node tests on a Redis Cluster of three masters (PROTOCOL.md §12), and the README's first step on one: nodes
/// pointed at different single endpoints of the cluster are still one broker.
/// </summary>
public sealed class ClusterOnRedisClusterTests(RedisClusterFixture redis) : ClusterTests, IClassFixture<RedisClusterFixture>
{
    protected override string Configuration
    {
        get
        {
            RedisCluster.SkipUnlessAvailable();
            return redis.Cluster.Configuration;
        }
    }

    [SkippableFact]
    public async Task Nodes_each_given_one_master_endpoint_deliver_to_each_other()
    {
        // As a new user points a node at a managed cluster's one endpoint: the client finds the other masters itself.
        var endpoints = Configuration.Split(',');
        Assert.Equal(3, endpoints.Length);
        var prefix = $"readme:{Guid.NewGuid():N}:";
        await using var a = await TestServer.StartAsync(Cluster.Settings(endpoints[0], prefix));
        await using var b = await TestServer.StartAsync(Cluster.Settings(endpoints[1], prefix));

        // Topics on each master's slots, so that whichever endpoint a node was given, some of them live elsewhere.
        var topics = new Dictionary<int, string>();
        for (var i = 0; topics.Count < 3; i++)
        {
            Assert.True(i < 200, "no topic names found on three different masters");
            var name = $"orders-{i}";
            topics.TryAdd((await redis.Cluster.MasterOfAsync($"{prefix}topic:{{{name}}}").Within(Timeouts.Long)).Port, name);
        }

        foreach (var topic in topics.Values)
        {
            await a.CreateTopicAsync(topic);
            await using var subscriber = await b.ConnectAsync();
            await subscriber.SubscribeAsync(topic);
            await using var publisher = await a.ConnectAsync();
            await publisher.PublishAsync(topic, new { order_id = topic }, requestId: topic);
            Assert.Equal(1, (await publisher.ExpectAsync("ack")).GetProperty("seq").GetInt64());
            var received = await subscriber.ExpectAsync("event");
            Assert.Equal(topic, received.GetProperty("topic").GetString());
            Assert.Equal(topic, received.GetProperty("message").GetProperty("payload").GetProperty("order_id").GetString());
        }

        var listed = (await b.SendAsync(HttpMethod.Get, "/topics")).Body.GetProperty("topics").EnumerateArray().Select(t => t.GetProperty("name").GetString());
        Assert.Equal(topics.Values.Order(), listed.Order());
    }
}
