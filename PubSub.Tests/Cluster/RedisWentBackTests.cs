using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Cluster;

/// <summary>
/// PROTOCOL.md §8 "a seq names one message, for ever, within an epoch", and "order survives Redis forgetting its
/// scripts", against real processes: two nodes and a redis-server that is snapshotted, killed and restarted from the
/// older snapshot, or flushed of its scripts while publishes are in flight.
/// </summary>
public sealed class RedisWentBackTests
{
    [SkippableFact]
    public async Task Redis_restarted_from_an_older_snapshot_resets_the_topic_on_every_node_and_delivers_everything_published_after()
    {
        RedisServer.SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync(); // no append-only file: a restart loads the last SAVE
        var nodes = await Cluster.StartReadyAsync(redis, 2, Cluster.QuickReconnect);
        try
        {
            var (a, b) = (nodes[0], nodes[1]);
            var (onA, onB, oldEpoch) = await SubscribeOnBothAsync(a, b);
            await using var closeA = onA;
            await using var closeB = onB;
            for (var i = 1; i <= 8; i++)
            {
                Assert.Equal(201, (await a.PublishRestAsync("t", new { before = i })).Status);
                if (i == 5)
                {
                    Assert.Equal("OK", await redis.CliAsync("SAVE"));
                }
            }

            foreach (var subscriber in new[] { onA, onB })
            {
                Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], (await subscriber.ReadEventsThroughAsync(8)).EventSeqs());
            }

            await redis.KillAsync();
            await redis.RestartAsync(); // holds the topic at seq 5: 6, 7 and 8 were acked and are gone

            await PublishAfterAndExpectResetAsync(a, b, onA, onB, oldEpoch);
        }
        finally
        {
            await Cluster.StopAsync(nodes);
        }
    }

    [SkippableFact]
    public async Task Pipelined_publishes_keep_their_order_across_SCRIPT_FLUSH()
    {
        RedisServer.SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync();
        var nodes = await Cluster.StartReadyAsync(redis, 1, Cluster.QuickReconnect);
        try
        {
            var node = nodes[0];
            await node.CreateTopicAsync("t");
            await using var subscriber = await node.ConnectAsync();
            await subscriber.SubscribeAsync("t");
            await using var publisher = await node.ConnectAsync();
            const int PerRound = 40;
            var sent = 0;
            for (var round = 0; round < 15; round++)
            {
                // Every publish of the round is on the wire before the first ack; Redis forgets its scripts in the middle.
                Task<string>? flush = null;
                for (var i = 0; i < PerRound; i++)
                {
                    await publisher.PublishAsync("t", new { n = sent + i }, requestId: $"p{sent + i}");
                    if (i == PerRound / 4)
                    {
                        flush = redis.CliAsync("SCRIPT", "FLUSH");
                    }
                }

                Assert.Equal("OK", await flush!);
                var acks = await ReadAcksAsync(publisher, "p", sent, PerRound);
                Assert.Equal(Enumerable.Range(sent + 1, PerRound).Select(x => (long)x), acks); // seq order is send order
                sent += PerRound;
            }

            var events = (await subscriber.ReadEventsThroughAsync(sent)).Where(f => f.GetProperty("type").GetString() == "event").ToList();
            Assert.Equal(Enumerable.Range(0, sent), events.Select(f => f.GetProperty("message").GetProperty("payload").GetProperty("n").GetInt32()));
        }
        finally
        {
            await Cluster.StopAsync(nodes);
        }
    }

    [SkippableFact]
    public async Task Pipelined_publishes_on_two_nodes_keep_each_publishers_order_across_SCRIPT_FLUSH()
    {
        // Each node reloads the script it lost; one node's reload (here also the test's own, of the same script text)
        // must not let a later publish of another node run before that node's earlier ones are sent again: each process
        // runs its own copy of the script.
        const int PerRound = 300, Rounds = 5;
        RedisServer.SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync();
        var nodes = await Cluster.StartReadyAsync(redis, 2, Cluster.QuickReconnect);
        try
        {
            await nodes[0].CreateTopicAsync("t");
            await using var subscriber = await nodes[0].ConnectAsync();
            await subscriber.SubscribeAsync("t");
            await using var onA = await nodes[0].ConnectAsync();
            await using var onB = await nodes[1].ConnectAsync();
            for (var round = 0; round < Rounds; round++)
            {
                var from = round * PerRound;
                var a = PublishRoundAsync(onA, "a", from);
                var b = PublishRoundAsync(onB, "b", from);
                for (var churn = 0; churn < 3; churn++)
                {
                    Assert.Equal("OK", await redis.CliAsync("SCRIPT", "FLUSH"));
                    await redis.CliAsync("SCRIPT", "LOAD", PubSub.Core.Engine.Redis.RedisScripts.Compact(PubSub.Core.Engine.Redis.RedisScripts.Publish));
                }

                foreach (var acks in await Task.WhenAll(a, b))
                {
                    Assert.Equal(acks.Order(), acks); // each publisher's seqs rise in the order it sent
                }
            }

            var events = (await subscriber.ReadEventsThroughAsync(2 * PerRound * Rounds)).Where(f => f.GetProperty("type").GetString() == "event").ToList();
            foreach (var who in new[] { "a", "b" })
            {
                var mine = events.Select(f => f.GetProperty("message").GetProperty("payload")).Where(p => p.GetProperty("who").GetString() == who);
                Assert.Equal(Enumerable.Range(0, PerRound * Rounds), mine.Select(p => p.GetProperty("n").GetInt32()));
            }
        }
        finally
        {
            await Cluster.StopAsync(nodes);
        }

        static async Task<List<long>> PublishRoundAsync(WsClient publisher, string who, int from)
        {
            for (var i = 0; i < PerRound; i++)
            {
                await publisher.PublishAsync("t", new { who, n = from + i }, requestId: $"{who}{from + i}");
            }

            return await ReadAcksAsync(publisher, who, from, PerRound);
        }
    }

    /// <summary>The seqs of the acks to requests {prefix}{from} .. in the order they were sent (each ack checked to be its own).</summary>
    private static async Task<List<long>> ReadAcksAsync(WsClient publisher, string prefix, int from, int count)
    {
        var acks = new List<long>();
        while (acks.Count < count)
        {
            var reply = await publisher.ReceiveAsync();
            Assert.Equal("ack", reply.GetProperty("type").GetString());
            Assert.Equal($"{prefix}{from + acks.Count}", reply.GetProperty("request_id").GetString());
            acks.Add(reply.GetProperty("seq").GetInt64());
        }

        return acks;

    }

    [SkippableFact]
    public async Task A_failover_to_a_replica_that_lagged_resets_the_topic_on_every_node_and_delivers_everything_published_after()
    {
        RedisServer.SkipUnlessAvailable();
        await using var primary = await RedisServer.StartAsync();
        await using var replica = await RedisServer.StartAsync(false, "--replicaof", "127.0.0.1", primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await replica.WaitForReplicaLinkAsync(Timeouts.Long); // then WAIT below waits for 1..5 only, not for the first sync
        await using var address = new StallingProxy(primary.Port); // the one address the nodes know, moved at the failover
        var settings = new Dictionary<string, string?>(Cluster.QuickReconnect) { ["PubSub:Redis:Configuration"] = address.Configuration };
        var nodes = await Cluster.StartReadyAsync(primary, 2, settings);
        try
        {
            var (a, b) = (nodes[0], nodes[1]);
            var (onA, onB, oldEpoch) = await SubscribeOnBothAsync(a, b);
            await using var closeA = onA;
            await using var closeB = onB;
            for (var i = 1; i <= 5; i++)
            {
                Assert.Equal(201, (await a.PublishRestAsync("t", new { before = i })).Status);
            }

            Assert.Equal("1", await primary.CliAsync("WAIT", "1", "5000")); // the replica holds 1..5
            // From here it lags: it follows a primary that is not there (a replica keeps its data until it syncs again), so
            // 6, 7 and 8 reach only the primary. The port is held bound and not listening for the rest of the test: its
            // connects are refused, and no redis-server of a test running alongside can start on it and sync the replica.
            using var nowhere = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            nowhere.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, false); // a listener with SO_REUSEADDR can't share it
            nowhere.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var nowherePort = ((IPEndPoint)nowhere.LocalEndPoint!).Port;
            Assert.Equal("OK", await replica.CliAsync("REPLICAOF", "127.0.0.1", nowherePort.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            for (var i = 6; i <= 8; i++)
            {
                Assert.Equal(201, (await a.PublishRestAsync("t", new { before = i })).Status);
            }

            foreach (var subscriber in new[] { onA, onB })
            {
                Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], (await subscriber.ReadEventsThroughAsync(8)).EventSeqs());
            }

            // The address leads nowhere while the primary dies and the replica is promoted (connects refused, as to a dead
            // server), never to the dead primary's port: freed, it could be any redis-server a test running alongside
            // starts, where a node would find no topic.
            address.Retarget(nowherePort);
            await primary.KillAsync();
            Assert.Equal("OK", await replica.CliAsync("REPLICAOF", "NO", "ONE")); // promoted, at seq 5
            address.Retarget(replica.Port);
            await PublishAfterAndExpectResetAsync(a, b, onA, onB, oldEpoch);
        }
        finally
        {
            await Cluster.StopAsync(nodes);
        }
    }

    /// <summary>
    /// After the store came back older: publishes three messages through <paramref name="b"/> (retrying while the nodes
    /// reconnect), then expects on both subscribers one reset to the same new epoch followed by every one of them in
    /// order, and a resume from the old epoch to replay the new one with a gap.
    /// </summary>
    private static async Task PublishAfterAndExpectResetAsync(TestServer a, TestServer b, WsClient onA, WsClient onB, string oldEpoch)
    {
        // Each attempt carries its own number. A 503 that says the publish may have been carried out may be delivered
        // too, so what must hold is: attempts in order, none twice, every acked one there.
        var acked = new List<int>();
        var clock = Stopwatch.StartNew();
        for (var attempt = 0; acked.Count < 3; attempt++)
        {
            Assert.True(clock.Elapsed < Timeouts.Long, "publishes were not acked again after the restart");
            var (status, _) = await b.PublishRestAsync("t", new { after = attempt });
            if (status == 201)
            {
                acked.Add(attempt);
            }
            else
            {
                Assert.Equal(503, status);
                await Task.Delay(100); // the client reconnects on its own schedule; nothing to wait on but the outcome
            }
        }

        string? newEpoch = null;
        foreach (var subscriber in new[] { onA, onB })
        {
            var frames = await subscriber.ReadFramesUntilAsync(f => IsAfter(f, acked[^1]), $"the message of attempt {acked[^1]}");
            var resetAt = frames.FindIndex(f => f.GetProperty("type").GetString() == "info" && f.GetProperty("msg").GetString() == "reset");
            Assert.True(resetAt >= 0, $"no reset notice: {string.Join(" ", frames)}");
            var reset = frames[resetAt];
            Assert.NotEqual(oldEpoch, reset.GetProperty("epoch").GetString());
            Assert.Equal(newEpoch ??= reset.GetProperty("epoch").GetString(), reset.GetProperty("epoch").GetString()); // one epoch on every node
            Assert.DoesNotContain(frames.Take(resetAt), f => AfterOf(f) is not null);

            // Every message published after the restart, in order, each with a seq after the reset's, none dropped.
            var after = frames.Skip(resetAt + 1).Where(f => f.GetProperty("type").GetString() == "event").ToList();
            var attempts = after.Select(AfterOf).OfType<int>().ToList();
            Assert.Equal(attempts.Order().Distinct(), attempts);
            Assert.Empty(acked.Except(attempts));
            var seqs = after.EventSeqs();
            Assert.Equal(Enumerable.Range((int)reset.GetProperty("seq").GetInt64() + 1, seqs.Count).Select(x => (long)x), seqs);
            await subscriber.ExpectSilenceAsync();
        }

        // A client resuming from its old position gets the new epoch from its oldest retained message, with gap: true.
        await using var resumer = await a.ConnectAsync();
        await resumer.SendAsync(new { type = "subscribe", topic = "t", client_id = "r", since_seq = 8, epoch = oldEpoch, request_id = "resume" });
        var ack = await resumer.ExpectAsync("ack");
        Assert.True(ack.GetProperty("gap").GetBoolean());
        Assert.Equal(newEpoch, ack.GetProperty("epoch").GetString());
        var replay = await resumer.ReadFramesUntilAsync(f => IsAfter(f, acked[^1]), $"the replay of attempt {acked[^1]}");
        Assert.Equal(1, replay.EventSeqs()[0]);
    }

    /// <summary>Creates topic t and subscribes to it on both nodes; returns the subscribers and the topic's epoch.</summary>
    private static async Task<(WsClient OnA, WsClient OnB, string Epoch)> SubscribeOnBothAsync(TestServer a, TestServer b)
    {
        await a.CreateTopicAsync("t");
        var onA = await a.ConnectAsync();
        var epoch = (await onA.SubscribeAsync("t")).GetProperty("epoch").GetString()!;
        var onB = await b.ConnectAsync();
        await onB.SubscribeAsync("t");
        return (onA, onB, epoch);
    }

    private static bool IsAfter(JsonElement frame, int n) => AfterOf(frame) == n;

    /// <summary>The attempt number of a message published after the store came back, or null for any other frame.</summary>
    private static int? AfterOf(JsonElement frame) =>
        frame.GetProperty("type").GetString() == "event"
        && frame.GetProperty("message").GetProperty("payload").TryGetProperty("after", out var after) ? after.GetInt32() : null;
}
