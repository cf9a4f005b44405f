using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PubSub.Core;
using PubSub.Server.Hubs;
using PubSub.Tests.Hub;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Cluster;

/// <summary>
/// Running a cluster (PROTOCOL.md §8): nodes listed and aged out, cluster-wide counts, connections listed and closed from
/// any node, readiness, and no SignalR Redis backplane under the hubs. Real servers on one real redis-server.
/// Over 400 lines because the operations share one cluster harness (nodes on the fixture's redis-server); each test
/// reads on its own.
/// </summary>
public sealed class ClusterOperationsTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    // Fast reporting, so that tests see changes within a second or two (defaults: 2 s and 15 s).
    private static readonly Dictionary<string, string?> Fast = new()
    {
        ["PubSub:Cluster:ReportInterval"] = "00:00:00.25",
        ["PubSub:Cluster:NodeTimeout"] = "00:00:02",
    };

    [SkippableFact]
    public async Task Nodes_are_listed_by_every_node_and_one_that_stops_drops_out()
    {
        RedisServer.SkipUnlessAvailable();
        var nodes = await Cluster.StartAsync(redis.Server, 3, With(("PubSub:Cluster:NodeTimeout", "00:00:03")));
        var (a, b, c) = (nodes[0], nodes[1], nodes[2]);
        var ids = nodes.Select(n => n.Broker.Node.Id).ToList();
        try
        {
            Assert.Equal(3, ids.Distinct().Count());
            foreach (var node in nodes)
            {
                await UntilNodesAsync(node, ids);
            }

            // A node learns its address once it listens, just after its first report.
            await Waits.UntilAsync(() => a.SendAsync(HttpMethod.Get, "/api/nodes/").GetAwaiter().GetResult().Body
                .GetProperty("nodes").EnumerateArray().All(n => n.GetProperty("address").ValueKind == JsonValueKind.String));
            var (status, body) = await a.SendAsync(HttpMethod.Get, "/api/nodes/");
            Assert.Equal(200, status);
            Assert.Equal(ids[0], body.GetProperty("node").GetString());
            var self = body.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("self").GetBoolean());
            Assert.Equal(ids[0], self.GetProperty("id").GetString());
            Assert.Equal(a.BaseAddress.ToString().TrimEnd('/'), self.GetProperty("address").GetString()!.TrimEnd('/'));
            var other = body.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("id").GetString() == ids[1]);
            Assert.Equal(b.BaseAddress.ToString().TrimEnd('/'), other.GetProperty("address").GetString()!.TrimEnd('/'));
            Assert.True(other.GetProperty("last_seen").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddSeconds(-3));

            // A clean stop leaves the list at once, on every node left (one that dies without leaving: the next test).
            await b.DisposeAsync();
            await UntilNodesAsync(a, [ids[0], ids[2]]);
            await UntilNodesAsync(c, [ids[0], ids[2]]);
        }
        finally
        {
            await Cluster.StopAsync([a, c]);
        }
    }

    [SkippableFact]
    public async Task A_node_that_stops_reporting_ages_out_of_the_list_and_the_counts()
    {
        RedisServer.SkipUnlessAvailable();
        var prefix = $"cluster:{Guid.NewGuid():N}:";
        await using var a = await TestServer.StartAsync(Cluster.Settings(redis.Server, prefix, Fast));

        // A node's last report, written as a node that then died would have left it: nobody removes it, and it ages out.
        var ghost = """{"id":"ghost","address":"http://10.9.9.9:8000","started_at":"2026-12-01T00:00:00Z","last_seen":"2026-12-01T00:00:00Z","connections":7,"subscriptions":5,"topics":{"orders":5},"transports":{"ws":7},"published":0,"delivered":0,"dropped":0}""";
        var now = (await redis.Server.CliAsync("TIME")).Split('\n')[0].Trim();
        await redis.Server.CliAsync("HSET", prefix + "{nodes}:reports", "ghost", ghost);
        await redis.Server.CliAsync("ZADD", prefix + "{nodes}:nodes", now + "000", "ghost");
        await a.CreateTopicAsync("orders");

        await Waits.UntilAsync(() => a.Broker.CountSubscribers("orders") == 5);
        var (_, health) = await a.SendAsync(HttpMethod.Get, "/health");
        Assert.Equal(5, health.GetProperty("subscribers").GetInt32());
        Assert.Equal(7, health.GetProperty("connections").GetInt32());
        Assert.Contains("ghost", await NodeIdsAsync(a));

        await UntilNodesAsync(a, [a.Broker.Node.Id]);
        await Waits.UntilAsync(() => a.Broker.CountSubscribers("orders") == 0);
        var (_, topics) = await a.SendAsync(HttpMethod.Get, "/topics");
        Assert.Equal(0, topics.GetProperty("topics")[0].GetProperty("subscribers").GetInt32());
    }

    [SkippableFact]
    public async Task Counts_are_cluster_wide_and_move_with_subscribes_unsubscribes_and_disconnects_on_either_node()
    {
        RedisServer.SkipUnlessAvailable();
        var nodes = await Cluster.StartAsync(redis.Server, 2, Fast);
        var (a, b) = (nodes[0], nodes[1]);
        try
        {
            await a.CreateTopicAsync("orders");
            await a.CreateTopicAsync("news");
            await using var onA = await a.ConnectAsync();
            await onA.SubscribeAsync("orders");
            await using var onB = await b.ConnectAsync();
            await onB.SubscribeAsync("orders");
            await onB.SubscribeAsync("news");
            await using var hubOnB = await HubTestClient.ConnectAsync(b, HubProtocolKind.Json);
            await hubOnB.SubscribeAsync("orders");

            // Every node answers with the same totals: orders 3, news 1.
            foreach (var node in nodes)
            {
                await UntilCountsAsync(node, orders: 3, news: 1);
            }

            var (_, stats) = await a.SendAsync(HttpMethod.Get, "/stats");
            Assert.Equal(3, stats.GetProperty("topics").GetProperty("orders").GetProperty("subscribers").GetInt32());
            Assert.Equal(4, stats.GetProperty("subscribers").GetInt32());
            Assert.Equal(2, stats.GetProperty("connections").GetProperty("ws").GetInt32());
            Assert.Equal(1, stats.GetProperty("connections").GetProperty("signalr").GetInt32());
            var (_, detail) = await a.SendAsync(HttpMethod.Get, "/api/topics/orders/");
            Assert.Equal(3, detail.GetProperty("subscriber_count").GetInt32());
            var (_, health) = await a.SendAsync(HttpMethod.Get, "/health");
            Assert.Equal(3, health.GetProperty("connections").GetInt32());

            // Subscribers list every node's, each with its node.
            var (_, subscribers) = await a.SendAsync(HttpMethod.Get, "/api/topics/orders/subscribers/");
            Assert.Equal(3, subscribers.GetProperty("subscribers_count").GetInt32());
            var byNode = subscribers.GetProperty("subscribers").EnumerateArray().GroupBy(s => s.GetProperty("node").GetString()).ToDictionary(g => g.Key!, g => g.Count());
            Assert.Equal(1, byNode[a.Broker.Node.Id]);
            Assert.Equal(2, byNode[b.Broker.Node.Id]);

            // Unsubscribe on B, disconnect on A, a hub client leaves B: every node's counts follow.
            await onB.SendAsync(new { type = "unsubscribe", topic = "news", client_id = "s1" });
            await onB.ExpectAsync("ack");
            await onA.DisposeAsync();
            foreach (var node in nodes)
            {
                await UntilCountsAsync(node, orders: 2, news: 0);
            }

            await hubOnB.DisposeAsync();
            foreach (var node in nodes)
            {
                await UntilCountsAsync(node, orders: 1, news: 0);
            }
        }
        finally
        {
            await Cluster.StopAsync(nodes);
        }
    }

    [SkippableFact]
    public async Task A_ws_client_on_B_is_disconnected_from_As_REST_and_told_why()
    {
        RedisServer.SkipUnlessAvailable();
        var nodes = await Cluster.StartAsync(redis.Server, 2, Fast);
        var (a, b) = (nodes[0], nodes[1]);
        try
        {
            await a.CreateTopicAsync("orders");
            await using var victim = await b.ConnectAsync(o => o.SetRequestHeader("User-Agent", "victim/1.0"));
            await victim.SubscribeAsync("orders");
            await using var bystander = await b.ConnectAsync();
            await bystander.SubscribeAsync("orders");
            var id = await UntilConnectionAsync(a, c => c.GetProperty("user_agent").GetString() == "victim/1.0");
            Assert.EndsWith("." + b.Broker.Node.Id, id);

            var listed = (await a.SendAsync(HttpMethod.Get, "/api/connections/")).Body.GetProperty("connections").EnumerateArray().Single(c => c.GetProperty("id").GetString() == id);
            Assert.Equal(b.Broker.Node.Id, listed.GetProperty("node").GetString());
            Assert.Equal("ws", listed.GetProperty("transport").GetString());
            Assert.Equal("127.0.0.1", listed.GetProperty("client_ip").GetString());
            Assert.Equal(["orders"], listed.GetProperty("topics").EnumerateArray().Select(t => t.GetString()));

            var (status, body) = await a.SendAsync(HttpMethod.Delete, $"/api/connections/{id}/?reason=maintenance");
            Assert.Equal(200, status);
            Assert.Equal("disconnected", body.GetProperty("status").GetString());
            Assert.Equal(id, body.GetProperty("connection").GetString());

            var (close, frames) = await victim.ReadUntilCloseAsync();
            var notice = frames.Last();
            Assert.Equal("info", notice.GetProperty("type").GetString());
            Assert.Equal("disconnected", notice.GetProperty("msg").GetString());
            Assert.Equal("maintenance", notice.GetProperty("reason").GetString());
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, close);

            // Gone from every list; a second delete is 404; the others on B go on.
            Assert.Equal(404, (await a.SendAsync(HttpMethod.Delete, $"/api/connections/{id}/")).Status);
            Assert.Equal(404, (await b.SendAsync(HttpMethod.Delete, $"/api/connections/{id}/")).Status);
            Assert.Equal(404, (await a.SendAsync(HttpMethod.Delete, "/api/connections/ws-1.no-such-node/")).Status);
            Assert.Equal(201, (await a.PublishRestAsync("orders", new { n = 1 })).Status);
            Assert.Equal(1, (await bystander.ExpectAsync("event")).GetProperty("seq").GetInt64());
        }
        finally
        {
            await Cluster.StopAsync(nodes);
        }
    }

    /// <summary>
    /// Issue 19, item 4: a node is registered, with its address, before it is ready, and a list asks every node the store
    /// knows now. Reports every 10 s, so no scheduled round can make this pass: only the registration and the lists' own
    /// read of the store can.
    /// </summary>
    [SkippableFact]
    public async Task A_node_that_is_ready_is_listed_with_its_address_by_the_others_and_its_connections_too()
    {
        RedisServer.SkipUnlessAvailable();
        var nodes = await Cluster.StartAsync(redis.Server, 2, Slow);
        var (a, b) = (nodes[0], nodes[1]);
        try
        {
            Assert.Equal(200, (await b.SendAsync(HttpMethod.Get, "/health/ready")).Status); // ready once started
            var (_, listed) = await a.SendAsync(HttpMethod.Get, "/api/nodes/");
            var entry = listed.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("id").GetString() == b.Broker.Node.Id);
            Assert.Equal(b.Broker.Node.Address, entry.GetProperty("address").GetString());
            Assert.NotNull(b.Broker.Node.Address);

            await a.CreateTopicAsync("orders");
            await using var client = await b.ConnectAsync();
            await client.SubscribeAsync("orders");
            var (_, connections) = await a.SendAsync(HttpMethod.Get, "/api/connections/");
            Assert.Equal(b.Broker.Node.Id, Assert.Single(connections.GetProperty("connections").EnumerateArray()).GetProperty("node").GetString());
            Assert.Empty(connections.GetProperty("unanswered").EnumerateArray());
        }
        finally
        {
            await Cluster.StopAsync(nodes);
        }
    }

    /// <summary>A node the store lists that does not answer is named in <c>unanswered</c>, also when it joined after the lister's last round.</summary>
    [SkippableFact]
    public async Task A_list_names_every_node_it_did_not_hear_from()
    {
        RedisServer.SkipUnlessAvailable();
        await using var a = await TestServer.StartAsync(Cluster.Settings(redis.Server, $"cluster:{Guid.NewGuid():N}:", Slow));

        // A node that registered (as a node does before it serves) and does not listen for requests.
        var now = DateTimeOffset.UtcNow;
        var silent = new PubSub.Core.Cluster.NodeReport("silent-node", "http://127.0.0.1:9", now, now, 1, 0, new Dictionary<string, int>(), new Dictionary<string, int>(), 0, 0, 0);
        await a.Services.GetRequiredService<PubSub.Core.Cluster.IClusterBus>().ReportAsync(silent, TimeSpan.FromSeconds(15)).AsTask().Within();

        var (status, body) = await a.SendAsync(HttpMethod.Get, "/api/connections/");
        Assert.Equal(200, status);
        Assert.Equal(["silent-node"], body.GetProperty("unanswered").EnumerateArray().Select(n => n.GetString()));
    }

    [SkippableFact]
    public async Task A_scoped_key_on_A_may_close_a_connection_on_B_only_when_it_manages_every_topic_it_is_on()
    {
        RedisServer.SkipUnlessAvailable();
        const string admin = "cluster-admin-key-000001", orders = "cluster-orders-key-00002";
        var nodes = await Cluster.StartAsync(redis.Server, 2, With(
            ("PubSub:Auth:Enabled", "true"),
            ("PubSub:Auth:Keys:0:Key", admin),
            ("PubSub:Auth:Keys:1:Key", orders),
            ("PubSub:Auth:Keys:1:Topics:0", "orders*")));
        var (a, b) = (nodes[0], nodes[1]);
        try
        {
            Assert.Equal(201, (await a.SendAsync(HttpMethod.Post, "/topics", """{"name":"orders-eu"}""", admin)).Status);
            Assert.Equal(201, (await a.SendAsync(HttpMethod.Post, "/topics", """{"name":"billing"}""", admin)).Status);
            await using var onOrders = await b.ConnectAsync(o => o.SetRequestHeader("X-API-Key", admin));
            await onOrders.SubscribeAsync("orders-eu");
            await using var onBilling = await b.ConnectAsync(o => o.SetRequestHeader("X-API-Key", admin));
            await onBilling.SubscribeAsync("orders-eu");
            await onBilling.SubscribeAsync("billing");
            var (_, listed) = await a.SendAsync(HttpMethod.Get, "/api/connections/", null, admin);
            string IdOn(int topics) => listed.GetProperty("connections").EnumerateArray().Single(c => c.GetProperty("topics").GetArrayLength() == topics).GetProperty("id").GetString()!;
            var (ordersOnly, alsoBilling) = (IdOn(1), IdOn(2));

            // Asked of B, the connection's node, as it is now: billing is beyond the key.
            Assert.Equal(403, (await a.SendAsync(HttpMethod.Delete, $"/api/connections/{alsoBilling}/", null, orders)).Status);
            Assert.Equal(200, (await a.SendAsync(HttpMethod.Delete, $"/api/connections/{ordersOnly}/", null, orders)).Status);
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, (await onOrders.ReadUntilCloseAsync()).Status);
            Assert.Equal(200, (await a.SendAsync(HttpMethod.Delete, $"/api/connections/{alsoBilling}/", null, admin)).Status);
        }
        finally
        {
            await Cluster.StopAsync(nodes);
        }
    }

    [SkippableFact]
    public async Task A_hub_client_on_B_is_disconnected_from_As_REST_and_told_why()
    {
        RedisServer.SkipUnlessAvailable();
        var nodes = await Cluster.StartAsync(redis.Server, 2, Fast);
        var (a, b) = (nodes[0], nodes[1]);
        try
        {
            await a.CreateTopicAsync("orders");
            await using var hub = await HubTestClient.ConnectAsync(b, HubProtocolKind.MessagePack);
            await hub.SubscribeAsync("orders");
            var id = await UntilConnectionAsync(a, c => c.GetProperty("transport").GetString() == "signalr");

            Assert.Equal(200, (await a.SendAsync(HttpMethod.Delete, $"/api/connections/{id}/")).Status);
            var info = await hub.ExpectAsync("Info");
            Assert.Equal("disconnected", info.GetProperty("msg").GetString());
            Assert.Contains(a.Broker.Node.Id, info.GetProperty("reason").GetString());
            var closed = await hub.Closed.Within();
            Assert.Contains("DISCONNECTED", closed?.Message);
            Assert.Equal(404, (await a.SendAsync(HttpMethod.Delete, $"/api/connections/{id}/")).Status);
        }
        finally
        {
            await Cluster.StopAsync(nodes);
        }
    }

    [SkippableFact]
    public async Task While_Redis_hangs_connections_are_listed_from_this_node_and_a_remote_close_is_UNAVAILABLE()
    {
        RedisServer.SkipUnlessAvailable();
        await using var own = await RedisServer.StartAsync();
        var prefix = $"hang:{Guid.NewGuid():N}:";
        var settings = Cluster.Settings(own, prefix, With(("PubSub:Cluster:RequestTimeout", "00:00:01"), ("PubSub:Redis:OperationTimeout", "00:00:01"), ("PubSub:Cluster:NodeTimeout", "00:00:20")));
        await using var a = await TestServer.StartAsync(settings);
        await using var b = await TestServer.StartAsync(settings);
        await using var onA = await a.ConnectAsync();
        await using var onB = await b.ConnectAsync();
        var remote = await UntilConnectionAsync(a, c => c.GetProperty("node").GetString() == b.Broker.Node.Id);

        string? unavailable;
        own.Pause();
        try
        {
            var (status, body) = await a.SendAsync(HttpMethod.Get, "/api/connections/");
            Assert.Equal(200, status);
            var listed = body.GetProperty("connections").EnumerateArray().ToList();
            Assert.Equal([a.Broker.Node.Id], listed.Select(c => c.GetProperty("node").GetString()).Distinct());
            Assert.Equal([b.Broker.Node.Id], body.GetProperty("unanswered").EnumerateArray().Select(n => n.GetString()));

            var (closeStatus, error) = await a.SendAsync(HttpMethod.Delete, $"/api/connections/{remote}/");
            Assert.Equal(503, closeStatus);
            Assert.Equal("UNAVAILABLE", error.GetProperty("code").GetString());
            unavailable = error.GetProperty("error").GetString();

            // A local close needs no Redis.
            var local = listed.Single().GetProperty("id").GetString();
            Assert.Equal(200, (await a.SendAsync(HttpMethod.Delete, $"/api/connections/{local}/")).Status);
            Assert.Equal("disconnected", (await onA.ReadUntilCloseAsync()).Frames.Last().GetProperty("msg").GetString());
        }
        finally
        {
            own.Resume();
        }

        // The 503 said the close may still happen: the request sat in the hung Redis, which delivers it once it runs
        // again. Either that closes it, or a new request does (503 while B is not listening yet); never silently not.
        Assert.Contains(" may ", unavailable);
        var deadline = DateTime.UtcNow + Timeouts.Short;
        int again;
        while ((again = (await a.SendAsync(HttpMethod.Delete, $"/api/connections/{remote}/")).Status) == 503 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        Assert.Contains(again, new[] { 200, 404 });
        var (closed, frames) = await onB.ReadUntilCloseAsync();
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, closed);
        Assert.Equal("disconnected", frames.Last().GetProperty("msg").GetString());
        Assert.Equal(404, (await a.SendAsync(HttpMethod.Delete, $"/api/connections/{remote}/")).Status);
    }

    [SkippableFact]
    public async Task A_hub_connection_on_a_Redis_engine_node_subscribes_to_nothing_of_SignalRs_on_Redis_and_gets_events_from_other_nodes()
    {
        RedisServer.SkipUnlessAvailable();
        var nodes = await Cluster.StartAsync(redis.Server, 2, Fast);
        var (a, b) = (nodes[0], nodes[1]);
        try
        {
            // No SignalR Redis backplane under the hub's manager (nothing sends through IHubContext), nor under other hubs.
            var manager = Assert.IsType<PubSubHubLifetimeManager>(b.Services.GetRequiredService<HubLifetimeManager<PubSubHub>>());
            Assert.IsType<DefaultHubLifetimeManager<PubSubHub>>(manager.Inner);
            Assert.IsType<DefaultHubLifetimeManager<OtherHub>>(b.Services.GetRequiredService<HubLifetimeManager<OtherHub>>());

            await a.CreateTopicAsync("no-backplane");
            await using var hub = await HubTestClient.ConnectAsync(b, HubProtocolKind.Json);
            await hub.SubscribeAsync("no-backplane");
            Assert.Equal(201, (await a.PublishRestAsync("no-backplane", new { n = 1 })).Status);
            Assert.Equal(1, (await hub.ExpectAsync("Event")).GetProperty("seq").GetInt64());

            // The backplane subscribed each hub connection to a channel of its own ({prefix}signalr:…:connection:{id})
            // before the connection was up, on a Redis client named pubsub-signalr: neither is there.
            Assert.Equal("", (await redis.Server.CliAsync("PUBSUB", "CHANNELS", "*signalr*")).Trim());
            Assert.DoesNotContain("name=pubsub-signalr", await redis.Server.CliAsync("CLIENT", "LIST"), StringComparison.Ordinal);
        }
        finally
        {
            await Cluster.StopAsync(nodes);
        }
    }

    [SkippableFact]
    public async Task Readiness_is_503_while_Redis_is_stopped_and_200_after_while_liveness_and_v1_health_stay_200()
    {
        RedisServer.SkipUnlessAvailable();
        await using var own = await RedisServer.StartAsync(persistent: true);
        var errors = new ErrorLog();
        await using var a = await TestServer.StartAsync(Cluster.Settings(own, $"ready:{Guid.NewGuid():N}:", Fast), s => s.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(errors));
        await a.CreateTopicAsync("orders");

        var (ready, body) = await a.SendAsync(HttpMethod.Get, "/health/ready");
        Assert.Equal(200, ready);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        var redisCheck = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "redis");
        Assert.Equal("healthy", redisCheck.GetProperty("status").GetString());
        Assert.True(redisCheck.GetProperty("duration_ms").GetDouble() >= 0);
        Assert.Equal("healthy", body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "cluster").GetProperty("status").GetString());

        await own.KillAsync();
        await Waits.UntilAsync(() => Status(a, "/health/ready") == 503);
        var (_, down) = await a.SendAsync(HttpMethod.Get, "/health/ready");
        Assert.Equal("unhealthy", down.GetProperty("status").GetString());
        Assert.Equal("unhealthy", down.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "redis").GetProperty("status").GetString());
        Assert.Equal(200, Status(a, "/health/live"));

        // Each unready probe is not an error with a stack trace in the log (the lost connection is, once, by the engine).
        Assert.DoesNotContain("HealthChecks", errors.ToString());

        // The v1 probe answers from the cached topic list: same shape, still counting the topic.
        var (health, v1) = await a.SendAsync(HttpMethod.Get, "/health");
        Assert.Equal(200, health);
        Assert.Equal(1, v1.GetProperty("topics").GetInt32());

        await own.RestartAsync();
        await Waits.UntilAsync(() => Status(a, "/health/ready") == 200, Timeouts.Long);
    }

    [SkippableFact]
    public async Task Two_running_nodes_with_one_id_are_reported_as_an_error_and_a_restart_under_the_same_id_is_not()
    {
        RedisServer.SkipUnlessAvailable();
        var prefix = $"clash:{Guid.NewGuid():N}:";
        var settings = Cluster.Settings(redis.Server, prefix, With(("PubSub:Cluster:NodeId", "same")));

        // A restart: the first process stops without leaving (its report stays), the next one takes the id over.
        var restartErrors = new ErrorLog();
        await redis.Server.CliAsync("HSET", prefix + "{nodes}:reports", "same", """{"id":"same","instance":"an-earlier-process","started_at":"2026-12-01T00:00:00Z","last_seen":"2026-12-01T00:00:00Z","connections":0,"subscriptions":0,"topics":{},"transports":{},"published":0,"delivered":0,"dropped":0}""");
        await using (var restarted = await TestServer.StartAsync(settings, s => s.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(restartErrors)))
        {
            // Three report rounds after it took the id over (each moves its score in the node set): the second would
            // already have logged a clash.
            var scores = new HashSet<string>();
            await Waits.UntilAsync(() =>
            {
                var report = redis.Server.CliAsync("HGET", prefix + "{nodes}:reports", "same").GetAwaiter().GetResult();
                if (!report.Contains("an-earlier-process", StringComparison.Ordinal))
                {
                    scores.Add(redis.Server.CliAsync("ZSCORE", prefix + "{nodes}:nodes", "same").GetAwaiter().GetResult().Trim());
                }

                return scores.Count >= 3;
            });
        }

        Assert.Equal("(no error logged)", restartErrors.ToString());

        var errors = new ErrorLog();
        await using var one = await TestServer.StartAsync(settings, s => s.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(errors));
        await using var two = await TestServer.StartAsync(settings, s => s.AddSingleton<Microsoft.Extensions.Logging.ILoggerProvider>(errors));
        await Waits.UntilAsync(() => errors.ToString().Contains("Another running node reports as same"));
    }

    [SkippableFact]
    public async Task A_read_that_races_the_nodes_stop_is_UNAVAILABLE_and_logs_no_error()
    {
        RedisServer.SkipUnlessAvailable();
        var errors = new ErrorLog();
        var nodes = await Cluster.StartAsync(redis.Server, 1, Fast, errors);
        var broker = nodes[0].Broker;
        await nodes[0].DisposeAsync();

        // What a dashboard tick or a report does if it comes after the engine's connection is gone.
        var error = await Assert.ThrowsAsync<PubSubException>(() => broker.ListTopicsAsync().AsTask()).Within();
        Assert.Equal(PubSubErrorCode.Unavailable, error.Code);
        Assert.Contains("stopping", error.Message);
        Assert.Equal("(no error logged)", errors.ToString());
    }

    [Fact]
    public async Task The_in_memory_engine_answers_the_cluster_routes_for_its_one_node()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:Cluster:NodeId"] = "solo" });
        await server.CreateTopicAsync("orders");
        await using var ws = await server.ConnectAsync();
        await ws.SubscribeAsync("orders");

        var (_, nodes) = await server.SendAsync(HttpMethod.Get, "/nodes");
        var node = Assert.Single(nodes.GetProperty("nodes").EnumerateArray());
        Assert.Equal("solo", node.GetProperty("id").GetString());
        Assert.Equal(1, node.GetProperty("connections").GetInt32());
        Assert.Equal(1, node.GetProperty("subscriptions").GetInt32());

        var (_, connections) = await server.SendAsync(HttpMethod.Get, "/connections");
        var connection = Assert.Single(connections.GetProperty("connections").EnumerateArray());
        var id = connection.GetProperty("id").GetString()!;
        Assert.Equal("solo", connection.GetProperty("node").GetString());
        Assert.EndsWith(".solo", id);

        Assert.Equal(200, (await server.SendAsync(HttpMethod.Delete, $"/connections/{id}")).Status);
        var (close, frames) = await ws.ReadUntilCloseAsync();
        Assert.Equal("disconnected", frames.Last().GetProperty("msg").GetString());
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, close);

        var (live, body) = await server.SendAsync(HttpMethod.Get, "/health/ready");
        Assert.Equal(200, live);
        Assert.DoesNotContain(body.GetProperty("checks").EnumerateArray(), c => c.GetProperty("name").GetString() == "redis");
        Assert.Equal("solo", (await server.SendAsync(HttpMethod.Get, "/health")).Body.GetProperty("node").GetString());
    }

    [Fact]
    public async Task A_node_started_without_an_id_logs_the_one_it_chose()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Logging:LogLevel:PubSub"] = "Information" }, s => s.AddLogging(l => l.AddFakeLogging()));

        var id = server.Broker.Node.Id;
        Assert.Contains(server.Services.GetFakeLogCollector().GetSnapshot(), r =>
            r.Level == Microsoft.Extensions.Logging.LogLevel.Information && r.Message.Contains($"Node {id} starting (id generated", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_node_id_that_is_not_a_plain_name_is_refused_at_start()
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:Cluster:NodeId"] = "a.b" }));
        Assert.Contains("PubSub:Cluster:NodeId", error.ToString());
    }

    // ---- helpers ----

    // Scheduled rounds too far apart to matter within a test.
    private static readonly Dictionary<string, string?> Slow = new()
    {
        ["PubSub:Cluster:ReportInterval"] = "00:00:10",
        ["PubSub:Cluster:NodeTimeout"] = "00:00:30",
    };

    private static Dictionary<string, string?> With(params (string Key, string Value)[] settings)
    {
        var all = new Dictionary<string, string?>(Fast);
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        return all;
    }

    private static int Status(TestServer server, string path) => server.SendAsync(HttpMethod.Get, path).GetAwaiter().GetResult().Status;

    private static async Task<List<string>> NodeIdsAsync(TestServer server)
    {
        var (_, body) = await server.SendAsync(HttpMethod.Get, "/api/nodes/");
        return [.. body.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()!).Order(StringComparer.Ordinal)];
    }

    private static async Task UntilNodesAsync(TestServer server, IEnumerable<string> expected)
    {
        var want = expected.Order(StringComparer.Ordinal).ToList();
        var deadline = DateTime.UtcNow + Timeouts.Short;
        List<string> seen;
        while (!(seen = await NodeIdsAsync(server)).SequenceEqual(want))
        {
            Assert.True(DateTime.UtcNow < deadline, $"nodes {string.Join(",", seen)}, expected {string.Join(",", want)}");
            await Task.Delay(50);
        }
    }

    private static async Task UntilCountsAsync(TestServer server, int orders, int news)
    {
        var deadline = DateTime.UtcNow + Timeouts.Short;
        while (true)
        {
            var (_, body) = await server.SendAsync(HttpMethod.Get, "/topics");
            // The node's cached list (up to TopicCatalog.MaxAge old): a topic just created on another node may not be in it
            // yet, which counts as not there yet (-1), not as a failure.
            var counts = body.GetProperty("topics").EnumerateArray().ToDictionary(t => t.GetProperty("name").GetString()!, t => t.GetProperty("subscribers").GetInt32());
            var (onOrders, onNews) = (counts.GetValueOrDefault("orders", -1), counts.GetValueOrDefault("news", -1));
            var (_, health) = await server.SendAsync(HttpMethod.Get, "/health");
            if (onOrders == orders && onNews == news && health.GetProperty("subscribers").GetInt32() == orders + news)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"on {server.Broker.Node.Id}: orders {onOrders} news {onNews} health {health}, expected {orders}/{news}");
            await Task.Delay(50);
        }
    }

    private static async Task<string> UntilConnectionAsync(TestServer server, Func<JsonElement, bool> match)
    {
        var deadline = DateTime.UtcNow + Timeouts.Short;
        while (true)
        {
            var (_, body) = await server.SendAsync(HttpMethod.Get, "/api/connections/");
            if (body.GetProperty("connections").EnumerateArray().FirstOrDefault(match) is { ValueKind: JsonValueKind.Object } found)
            {
                return found.GetProperty("id").GetString()!;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no such connection in {body}");
            await Task.Delay(50);
        }
    }

    /// <summary>A second hub type: its manager must stay SignalR's in-memory one.</summary>
    public sealed class OtherHub : Microsoft.AspNetCore.SignalR.Hub;
}
