using System.Net.WebSockets;
using System.Text.Json;
using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Tenants.Tenancy;

namespace PubSub.Tests.Tenants;

/// <summary>
/// Two tenants on a two-node cluster (PROTOCOL.md §4, §8): what each sees of the connections and nodes, what each may
/// close, asked on node A about connections on node B. Real servers on one real redis-server.
/// </summary>
public sealed class TenantClusterTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [SkippableFact]
    public async Task A_scoped_key_lists_only_connections_on_its_topics_with_only_those_topics_and_no_node_addresses()
    {
        RedisServer.SkipUnlessAvailable();
        var nodes = await StartWithTopicsAsync();
        var (a, b) = (nodes[0], nodes[1]);
        try
        {
            await using var alphaSub = await ConnectAsync(b, Alpha, "alpha-sub");
            await alphaSub.SubscribeAsync("a1");
            await using var betaSub = await ConnectAsync(b, Beta, "beta-sub");
            await betaSub.SubscribeAsync("b1");
            await using var both = await ConnectAsync(b, Admin, "both");
            await both.SubscribeAsync("a1");
            await both.SubscribeAsync("b1");
            await using var idle = await ConnectAsync(b, Beta, "beta-idle");
            await Waits.UntilAsync(() => a.Broker.Node.Id != null && ListAllAsync(a, Admin).GetAwaiter().GetResult().Count(c => Agent(c) is "alpha-sub" or "beta-sub" or "both" or "beta-idle") == 4);

            var seenByAlpha = await ListAllAsync(a, Alpha);
            Assert.Equal(["alpha-sub", "both"], seenByAlpha.Select(Agent).Order());
            Assert.All(seenByAlpha, c => Assert.Equal(["a1"], Topics(c)));
            var seenByBeta = await ListAllAsync(a, Beta);
            Assert.Equal(["beta-sub", "both"], seenByBeta.Select(Agent).Order());
            Assert.DoesNotContain(seenByBeta.SelectMany(Topics), t => t == "a1");

            // The operator sees every connection, whole; node addresses only for a key that reads every topic.
            var seenByAdmin = await ListAllAsync(a, Admin);
            Assert.Equal(["a1", "b1"], Topics(seenByAdmin.Single(c => Agent(c) == "both")));
            Assert.Contains(seenByAdmin, c => Agent(c) == "beta-idle");
            var (_, alphaNodes) = await a.SendAsync(HttpMethod.Get, "/api/nodes/", null, Alpha);
            Assert.Equal(2, alphaNodes.GetProperty("nodes").GetArrayLength());
            Assert.All(alphaNodes.GetProperty("nodes").EnumerateArray(), n => Assert.Equal(JsonValueKind.Null, n.GetProperty("address").ValueKind));
            await Waits.UntilAsync(() => a.SendAsync(HttpMethod.Get, "/api/nodes/", null, Admin).GetAwaiter().GetResult().Body
                .GetProperty("nodes").EnumerateArray().All(n => n.GetProperty("address").ValueKind == JsonValueKind.String));
        }
        finally
        {
            await Cluster.Cluster.StopAsync(nodes);
        }
    }

    [SkippableFact]
    public async Task A_scoped_key_closes_only_connections_within_its_topics_and_a_connection_on_none_only_an_unscoped_key_closes()
    {
        RedisServer.SkipUnlessAvailable();
        var nodes = await StartWithTopicsAsync();
        var (a, b) = (nodes[0], nodes[1]);
        try
        {
            await using var alphaSub = await ConnectAsync(b, Alpha, "alpha-sub");
            await alphaSub.SubscribeAsync("a1");
            await using var both = await ConnectAsync(b, Admin, "both");
            await both.SubscribeAsync("a1");
            await both.SubscribeAsync("b1");
            await using var betaPublisher = await ConnectAsync(b, Beta, "beta-publisher"); // on no topic
            List<JsonElement> listed = [];
            await Waits.UntilAsync(() => (listed = ListAllAsync(a, Admin).GetAwaiter().GetResult()).Count(c => Agent(c) is "alpha-sub" or "both" or "beta-publisher") == 3);
            string Id(string agent) => listed.Single(c => Agent(c) == agent).GetProperty("id").GetString()!;

            // Alpha manages a1 but not b1: "both" is refused as it is on B now; a connection on no topic is beyond it
            // (answered as unknown: a scoped key cannot even learn that it exists).
            Assert.Equal(403, (await a.SendAsync(HttpMethod.Delete, $"/api/connections/{Id("both")}/", null, Alpha)).Status);
            Assert.Equal(404, (await a.SendAsync(HttpMethod.Delete, $"/api/connections/{Id("beta-publisher")}/", null, Alpha)).Status);
            Assert.Equal(404, (await a.SendAsync(HttpMethod.Delete, $"/api/connections/{Id("beta-publisher")}/", null, Beta)).Status);
            await betaPublisher.SendAsync(new { type = "ping", request_id = "still-open" });
            Assert.Equal("pong", (await betaPublisher.ExpectAsync("pong")).GetProperty("type").GetString());
            await both.SendAsync(new { type = "ping", request_id = "still-open" });
            await both.ExpectAsync("pong");

            Assert.Equal(200, (await a.SendAsync(HttpMethod.Delete, $"/api/connections/{Id("alpha-sub")}/", null, Alpha)).Status);
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, (await alphaSub.ReadUntilCloseAsync()).Status);
            Assert.Equal(200, (await a.SendAsync(HttpMethod.Delete, $"/api/connections/{Id("beta-publisher")}/", null, Admin)).Status);
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, (await betaPublisher.ReadUntilCloseAsync()).Status);
        }
        finally
        {
            await Cluster.Cluster.StopAsync(nodes);
        }
    }

    [SkippableFact]
    public async Task One_key_at_MaxTopicsPerKey_is_refused_on_either_node_while_another_key_still_creates()
    {
        RedisServer.SkipUnlessAvailable();
        var nodes = await Cluster.Cluster.StartAsync(redis.Server, 2, Keys(("PubSub:Limits:MaxTopicsPerKey", "3")));
        var (a, b) = (nodes[0], nodes[1]);
        try
        {
            Assert.Equal(201, (await a.SendAsync(HttpMethod.Post, "/topics", """{"name":"a1"}""", Alpha)).Status);
            Assert.Equal(201, (await b.SendAsync(HttpMethod.Post, "/topics", """{"name":"a2"}""", Alpha)).Status);
            Assert.Equal(201, (await a.SendAsync(HttpMethod.Post, "/topics", """{"name":"a3"}""", Alpha)).Status);
            var (status, error) = await b.SendAsync(HttpMethod.Post, "/topics", """{"name":"a4"}""", Alpha);
            Assert.Equal(429, status);
            Assert.Equal("LIMIT_EXCEEDED", error.GetProperty("code").GetString());
            Assert.Contains("PubSub:Limits:MaxTopicsPerKey", error.GetProperty("error").GetString());

            Assert.Equal(201, (await b.SendAsync(HttpMethod.Post, "/topics", """{"name":"b1"}""", Beta)).Status);

            // The creating key is shown to keys that manage the topic, and a deletion gives the key its place back.
            Assert.Equal("alpha", (await b.SendAsync(HttpMethod.Get, "/topics/a2", null, Admin)).Body.GetProperty("created_by").GetString());
            Assert.Equal(200, (await b.SendAsync(HttpMethod.Delete, "/topics/a1", null, Alpha)).Status);
            Assert.Equal(201, (await a.SendAsync(HttpMethod.Post, "/topics", """{"name":"a4"}""", Alpha)).Status);
        }
        finally
        {
            await Cluster.Cluster.StopAsync(nodes);
        }
    }

    /// <summary>Two nodes with quick reports, and topics a1 and b1 created by the operator.</summary>
    [SkippableFact]
    public async Task On_the_hub_and_REST_reads_a_scoped_key_neither_sees_closes_streams_into_nor_starves_the_other_tenant()
    {
        RedisServer.SkipUnlessAvailable();
        var nodes = await StartWithTopicsAsync(("PubSub:RateLimit:ReadsPerSecond", "1"), ("PubSub:RateLimit:ReadBurst", "10"));
        var (a, b) = (nodes[0], nodes[1]);
        try
        {
            // Beta streams b1 over the hub on node B: the stream's topic is its connection's.
            await using var betaHub = await Hub.HubTestClient.ConnectAsync(b, Hub.HubProtocolKind.Json, Beta);
            using var cancel = new CancellationTokenSource(Timeouts.Long);
            var betaItems = betaHub.Connection.StreamAsyncCore<object>("Stream", [Hub.HubContractTests.ToRequest("""{"topic":"b1"}""")], cancel.Token).GetAsyncEnumerator(cancel.Token);
            var betaFirst = betaItems.MoveNextAsync().AsTask();
            JsonElement betaConnection = default;
            // Listed from its connect, with its topic once the stream's subscription is made: wait for that.
            await Waits.UntilAsync(() => (betaConnection = ListAllAsync(a, Admin).GetAwaiter().GetResult().FirstOrDefault(c => c.GetProperty("transport").GetString() == "signalr" && Topics(c).Count > 0)).ValueKind != JsonValueKind.Undefined, Timeouts.Long);
            Assert.Equal(["b1"], Topics(betaConnection));
            var betaId = betaConnection.GetProperty("id").GetString()!;

            // Alpha, on node A: does not see it, cannot close it (answered as for no connection), cannot stream b1.
            Assert.DoesNotContain(await ListAllAsync(a, Alpha), c => c.GetProperty("id").GetString() == betaId);
            Assert.Equal(404, (await a.SendAsync(HttpMethod.Delete, $"/api/connections/{betaId}/", null, Alpha)).Status);
            await using var alphaHub = await Hub.HubTestClient.ConnectAsync(a, Hub.HubProtocolKind.Json, Alpha);
            var refused = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(async () =>
            {
                await foreach (var _ in alphaHub.Connection.StreamAsyncCore<object>("Stream", [Hub.HubContractTests.ToRequest("""{"topic":"b1"}""")]).WithCancellation(new CancellationTokenSource(Timeouts.Short).Token))
                {
                }
            });
            Assert.StartsWith("FORBIDDEN: ", refused.Message);
            Assert.Equal(["a1"], (await alphaHub.InvokeAsync("ListTopics")).EnumerateArray().Select(t => t.GetProperty("name").GetString()));

            // Alpha floods REST reads on node A until refused; Beta's reads there go on, and its stream still delivers.
            var statuses = new List<int>();
            for (var i = 0; i < 20; i++)
            {
                statuses.Add((await a.SendAsync(HttpMethod.Get, "/api/topics/a1/messages/", null, Alpha)).Status);
            }

            Assert.Contains(429, statuses);
            Assert.Equal(200, (await a.SendAsync(HttpMethod.Get, "/api/topics/b1/messages/", null, Beta)).Status);
            Assert.Equal(201, (await a.SendAsync(HttpMethod.Post, "/api/topics/b1/messages/", """{"payload":{"n":1}}""", Beta)).Status);
            Assert.True(await betaFirst.Within(Timeouts.Long));
            await cancel.CancelAsync();
        }
        finally
        {
            await Cluster.Cluster.StopAsync(nodes);
        }
    }

    private async Task<TestServer[]> StartWithTopicsAsync(params (string Key, string? Value)[] extra)
    {
        var nodes = await Cluster.Cluster.StartAsync(redis.Server, 2, Keys([("PubSub:Cluster:ReportInterval", "00:00:00.25"), .. extra]));
        try
        {
            foreach (var topic in new[] { "a1", "b1" })
            {
                Assert.Equal(201, (await nodes[0].SendAsync(HttpMethod.Post, "/topics", $$"""{"name":"{{topic}}"}""", Admin)).Status);
            }

            return nodes;
        }
        catch
        {
            await Cluster.Cluster.StopAsync(nodes);
            throw;
        }
    }
}
