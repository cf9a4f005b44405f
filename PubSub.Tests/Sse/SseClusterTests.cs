using PubSub.Tests.Cluster;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Sse;

/// <summary>
/// Event streams on two real nodes of one real redis-server (PROTOCOL.md §8, §10): a stream gets what any node
/// publishes, resumes on the other node with Last-Event-ID (no stickiness), and is listed and closed from either node.
/// </summary>
public sealed class SseClusterTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [SkippableFact]
    public async Task A_stream_on_A_gets_B_s_publishes_in_order_and_resumes_on_B_with_exactly_the_missed_ones()
    {
        RedisServer.SkipUnlessAvailable();
        var nodes = await Cluster.Cluster.StartAsync(redis.Server, 2);
        var (a, b) = (nodes[0], nodes[1]);
        try
        {
            await a.CreateTopicAsync("orders");
            string lastId;
            await using (var onA = await SseClient.OpenAsync(a.BaseAddress, "/api/topics/orders/events/"))
            {
                await onA.ExpectSubscribedAsync();
                for (var i = 1; i <= 5; i++)
                {
                    Assert.Equal(201, (await b.PublishRestAsync("orders", new { n = i })).Status);
                }

                var frames = await onA.ReadUntilAsync(f => f.IsMessage && f.Seq == 5, "seq 5 on A");
                Assert.Equal([1L, 2, 3, 4, 5], frames.Select(f => f.Seq));
                lastId = frames[^1].Id!;
            }

            for (var i = 6; i <= 8; i++)
            {
                Assert.Equal(201, (await a.PublishRestAsync("orders", new { n = i })).Status);
            }

            // The reconnect lands on the other node, as it may behind a proxy without stickiness.
            await using var onB = await SseClient.OpenAsync(b.BaseAddress, "/topics/orders/events", lastEventId: lastId);
            Assert.False((await onB.ExpectSubscribedAsync()).GetProperty("gap").GetBoolean());
            Assert.Equal([6L, 7, 8], (await onB.ReadUntilAsync(f => f.IsMessage && f.Seq == 8, "seq 8 on B")).Select(f => f.Seq));
            Assert.Equal(201, (await a.PublishRestAsync("orders", new { n = 9 })).Status);
            Assert.Equal(9, (await onB.ReceiveNonPingAsync()).Seq);
            await onB.ExpectSilenceAsync();
        }
        finally
        {
            await Cluster.Cluster.StopAsync(nodes);
        }
    }

    [SkippableFact]
    public async Task A_stream_on_B_is_listed_and_closed_through_A()
    {
        RedisServer.SkipUnlessAvailable();
        var nodes = await Cluster.Cluster.StartAsync(redis.Server, 2);
        var (a, b) = (nodes[0], nodes[1]);
        try
        {
            await a.CreateTopicAsync("orders");
            await using var onB = await SseClient.OpenAsync(b.BaseAddress, "/api/topics/orders/events/");
            await onB.ExpectSubscribedAsync();
            var id = b.Broker.Connections.Single(c => c.Transport == "sse").Id;

            // Nodes learn of each other from their reports: the list through A includes B once B is known to it.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                var (status, list) = await a.SendAsync(HttpMethod.Get, "/api/connections/");
                Assert.Equal(200, status);
                var entry = list.GetProperty("connections").EnumerateArray().FirstOrDefault(c => c.GetProperty("id").GetString() == id);
                if (entry.ValueKind != System.Text.Json.JsonValueKind.Undefined)
                {
                    Assert.Equal("sse", entry.GetProperty("transport").GetString());
                    Assert.Equal(b.Broker.Node.Id, entry.GetProperty("node").GetString());
                    break;
                }

                Assert.True(clock.Elapsed < Timeouts.Short, $"A never listed the stream {id} on B: {list}");
                await Task.Delay(100); // reports have no push to wait on: poll, bounded by the deadline
            }

            var (closed, _) = await a.SendAsync(HttpMethod.Delete, $"/api/connections/{id}/?reason=moving");
            Assert.Equal(200, closed);
            var last = Assert.Single(await onB.ReadToEndAsync());
            Assert.True(last.IsInfo("disconnected"), $"expected disconnected, got {last}");
            Assert.Equal("moving", last.Json.GetProperty("reason").GetString());
        }
        finally
        {
            await Cluster.Cluster.StopAsync(nodes);
        }
    }
}
