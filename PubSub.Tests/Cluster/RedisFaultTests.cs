using System.Diagnostics;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Cluster;

/// <summary>
/// PROTOCOL.md §8 when Redis fails: killed (SIGKILL) and restarted with its append-only file, hung (SIGSTOP), down
/// when a node starts, restarted empty. Each test has a redis-server of its own, since it breaks it.
/// </summary>
public sealed class RedisFaultTests
{
    [SkippableFact]
    public async Task Killed_and_restarted_Redis_loses_no_acked_message_and_never_acks_during_the_outage()
    {
        RedisServer.SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync(persistent: true);
        var nodes = await Cluster.StartReadyAsync(redis, 2, Cluster.QuickReconnect);
        try
        {
            var (a, b) = (nodes[0], nodes[1]);
            await a.CreateTopicAsync("t");
            await using var onA = await a.ConnectAsync();
            await onA.SubscribeAsync("t");
            await using var onB = await b.ConnectAsync();
            await onB.SubscribeAsync("t");
            await using var publisher = await a.ConnectAsync();

            var acked = new List<long>();
            var unavailable = 0;
            var killed = false;
            var restarted = false;
            var clock = Stopwatch.StartNew();
            for (var i = 0; acked.Count < 60; i++)
            {
                Assert.True(clock.Elapsed < Timeouts.Long, $"publishing did not resume after the restart ({acked.Count} acked, {unavailable} unavailable)");
                await publisher.PublishAsync("t", new { i }, requestId: $"r{i}");
                var reply = await publisher.ReceiveAsync();
                if (reply.GetProperty("type").GetString() == "ack")
                {
                    Assert.False(killed && !restarted, "a publish was acked while Redis was down");
                    acked.Add(reply.GetProperty("seq").GetInt64());
                }
                else
                {
                    Assert.Equal("UNAVAILABLE", reply.GetProperty("error").GetProperty("code").GetString());
                    Assert.Equal($"r{i}", reply.GetProperty("request_id").GetString());
                    unavailable++;
                }

                if (acked.Count == 20 && !killed)
                {
                    await redis.KillAsync();
                    killed = true;
                }
                else if (killed && !restarted && unavailable >= 5)
                {
                    await redis.RestartAsync();
                    restarted = true;
                }
            }

            Assert.True(unavailable >= 5);
            Assert.Equal(acked.Order().Distinct(), acked); // acks keep increasing
            foreach (var subscriber in new[] { onA, onB })
            {
                // Exactly once and in order; a publish that timed out may have been stored (then it is delivered
                // too), so the subscriber's seqs are consecutive and include every acked one.
                var seqs = (await subscriber.ReadEventsThroughAsync(acked[^1])).EventSeqs();
                Assert.Equal(Enumerable.Range(1, seqs.Count).Select(x => (long)x), seqs);
                Assert.Empty(acked.Except(seqs));
                await subscriber.ExpectSilenceAsync();
            }
        }
        finally
        {
            await Cluster.StopAsync(nodes);
        }
    }

    [SkippableFact]
    public async Task A_hung_Redis_gets_UNAVAILABLE_within_the_timeout_and_service_resumes_when_it_wakes()
    {
        RedisServer.SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync();
        var errors = new ErrorLog();
        var nodes = await Cluster.StartAsync(redis, 2, Cluster.FastTimeouts, errors);
        try
        {
            var (a, b) = (nodes[0], nodes[1]);
            await a.CreateTopicAsync("t");
            await using var subscriber = await b.ConnectAsync();
            await subscriber.SubscribeAsync("t");
            await using var publisher = await a.ConnectAsync();

            redis.Pause();
            try
            {
                var clock = Stopwatch.StartNew();
                await publisher.PublishAsync("t", new { n = 1 }, requestId: "hung");
                var error = await publisher.ExpectAsync("error");
                Assert.Equal("UNAVAILABLE", error.GetProperty("error").GetProperty("code").GetString());
                Assert.Contains("may or may not", error.GetProperty("error").GetProperty("message").GetString());
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"the publish took {clock.Elapsed} to fail");

                clock.Restart();
                var (status, body) = await b.SendAsync(HttpMethod.Get, "/api/topics/t/messages/");
                Assert.True(status == 503, $"REST read while Redis hangs: {status} {body}\n{errors}");
                Assert.Equal("UNAVAILABLE", body.GetProperty("code").GetString());
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"the read took {clock.Elapsed} to fail");
                var (publishStatus, publishBody) = await a.PublishRestAsync("t", new { n = 2 });
                Assert.True(publishStatus == 503, $"REST publish while Redis hangs: {publishStatus} {publishBody}\n{errors}");
            }
            finally
            {
                redis.Resume();
            }

            // Awake again: publishes are acked and delivered after whatever the hung ones may have stored.
            var acked = await PublishUntilAckedAsync(publisher, "t");
            var seqs = (await subscriber.ReadEventsThroughAsync(acked)).EventSeqs();
            Assert.Equal(Enumerable.Range(1, seqs.Count).Select(x => (long)x), seqs);
            Assert.Equal(System.Net.WebSockets.WebSocketState.Open, subscriber.Socket.State); // stayed connected throughout
        }
        finally
        {
            await Cluster.StopAsync(nodes);
        }
    }

    [SkippableFact]
    public async Task A_node_started_while_Redis_is_down_starts_answers_UNAVAILABLE_and_serves_once_Redis_is_up()
    {
        RedisServer.SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync();
        await redis.KillAsync();
        var nodes = await Cluster.StartAsync(redis, 1, Cluster.QuickReconnect);
        try
        {
            var node = nodes[0];
            Assert.Equal(503, (await node.SendAsync(HttpMethod.Post, "/topics", "{\"name\":\"t\"}")).Status);
            var (status, body) = await node.SendAsync(HttpMethod.Get, "/api/topics/");
            Assert.Equal(503, status);
            Assert.Contains("unreachable", body.GetProperty("error").GetString());
            await using (var early = await node.ConnectAsync())
            {
                await early.SendAsync(new { type = "subscribe", topic = "t", client_id = "s", request_id = "s1" });
                Assert.Equal("UNAVAILABLE", (await early.ExpectAsync("error")).GetProperty("error").GetProperty("code").GetString());
                await early.SendAsync(new { type = "ping", request_id = "p" });
                await early.ExpectAsync("pong"); // the connection survives
            }

            await redis.RestartAsync();
            var clock = Stopwatch.StartNew();
            while ((await node.SendAsync(HttpMethod.Post, "/topics", "{\"name\":\"t\"}")).Status != 201)
            {
                Assert.True(clock.Elapsed < Timeouts.Long, "the node did not start serving after Redis came up");
                await Task.Delay(100); // the client reconnects on its own schedule; nothing to wait on but the outcome
            }

            await using var subscriber = await node.ConnectAsync();
            await subscriber.SubscribeAsync("t");
            Assert.Equal(201, (await node.PublishRestAsync("t", new { n = 1 })).Status);
            Assert.Equal(1, (await subscriber.ExpectAsync("event")).GetProperty("seq").GetInt64());
        }
        finally
        {
            await Cluster.StopAsync(nodes);
        }
    }

    [SkippableFact]
    public async Task Redis_restarted_empty_deletes_every_topic_for_subscribers_and_publishers()
    {
        RedisServer.SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync(persistent: false);
        var nodes = await Cluster.StartReadyAsync(redis, 2, Cluster.QuickReconnect);
        try
        {
            var (a, b) = (nodes[0], nodes[1]);
            await a.CreateTopicAsync("t");
            await using var subscriber = await b.ConnectAsync();
            await subscriber.SubscribeAsync("t");
            Assert.Equal(201, (await a.PublishRestAsync("t", new { n = 1 })).Status);
            await subscriber.ExpectAsync("event");

            await redis.KillAsync();
            await redis.RestartAsync(); // nothing kept: the broker's state is gone

            // The node resyncs from history after the reconnect, finds no topic, and says so.
            var info = await subscriber.ExpectAsync("info", Timeouts.Long);
            Assert.Equal("topic_deleted", info.GetProperty("msg").GetString());
            var clock = Stopwatch.StartNew();
            int status;
            while ((status = (await a.PublishRestAsync("t", new { n = 2 })).Status) == 503)
            {
                Assert.True(clock.Elapsed < Timeouts.Long, "the node did not reconnect");
                await Task.Delay(100); // the client reconnects on its own schedule; nothing to wait on but the outcome
            }

            Assert.Equal(404, status);

            // /health counts from B's cached list, which forgets the topic within its age (TopicCatalog.MaxAge, 1 s).
            await Waits.UntilAsync(async () => (await b.SendAsync(HttpMethod.Get, "/health")).Body.GetProperty("topics").GetInt32() == 0, TimeSpan.FromSeconds(2));
        }
        finally
        {
            await Cluster.StopAsync(nodes);
        }
    }

    /// <summary>Publishes on <paramref name="topic"/> until a publish is acked (a refused one is sent again after a pause); returns its seq.</summary>
    internal static async Task<long> PublishUntilAckedAsync(WsClient publisher, string topic)
    {
        var clock = Stopwatch.StartNew();
        for (var i = 0; ; i++)
        {
            Assert.True(clock.Elapsed < Timeouts.Long, "publishes were not acked again");
            await publisher.PublishAsync(topic, new { after = i }, requestId: $"after-{i}");
            var reply = await publisher.ReceiveAsync();
            if (reply.GetProperty("type").GetString() == "ack")
            {
                return reply.GetProperty("seq").GetInt64();
            }

            await Task.Delay(50); // between retries of a refused publish, as a client would
        }
    }
}
