using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Cluster;

/// <summary>
/// PROTOCOL.md §8: readiness covers the receiving link (the Redis pub/sub connection that carries every topic's
/// events). A node whose link is killed or wedged is not ready until it hears its own probe again, gets a new link,
/// repairs from history, and logs the incident once when it begins and once when it ends. Each test breaks its own
/// redis-server.
/// </summary>
public sealed class ReceivingLinkTests
{
    private const int DeafEvent = 243;
    private const int HearsAgainEvent = 244;

    // Probes every 0.5 s in the kill test: after the reconnect the node stays deaf until the next probe comes back, a
    // window that polling sees. A kill is found by the client's report of the lost link, at once, not by the probe's
    // silence, so the probe timeout is long: with a short one a loaded machine's late probe opened an incident of the
    // node's own, and a kill that fell into it was part of that incident (one incident, one line), with no line of its
    // own to wait for. Both tests keep the default operation timeout: the links under test are killed or wedged, while
    // every other call (publishes, the probe's own publish) must succeed, and on a loaded machine a healthy Redis can
    // take longer than a short timeout to answer.
    private static readonly Dictionary<string, string?> Killing = new()
    {
        ["PubSub:Redis:ConnectTimeout"] = "00:00:00.500",
        ["PubSub:Redis:LinkProbeInterval"] = "00:00:00.500",
        ["PubSub:Redis:LinkProbeTimeout"] = "00:00:10",
        ["Logging:LogLevel:PubSub.Core.Engine.Redis"] = "Information",
    };

    private static readonly Dictionary<string, string?> Fast = new()
    {
        ["PubSub:Redis:ConnectTimeout"] = "00:00:00.500",
        ["PubSub:Redis:LinkProbeInterval"] = "00:00:00.100",
        ["PubSub:Redis:LinkProbeTimeout"] = "00:00:01",
        ["Logging:LogLevel:PubSub.Core.Engine.Redis"] = "Information", // "hears again" is logged at Information
    };

    [SkippableFact]
    public async Task Killed_pubsub_links_make_nodes_deaf_until_they_hear_again_and_every_message_is_delivered_with_one_log_line_each()
    {
        RedisServer.SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync();
        var prefix = $"kill:{Guid.NewGuid():N}:";
        var logs = new[] { new LogCapture(), new LogCapture() };
        var nodes = new List<TestServer>();
        try
        {
            foreach (var log in logs)
            {
                nodes.Add(await TestServer.StartAsync(Cluster.Settings(redis, prefix, Killing), s => s.AddSingleton<ILoggerProvider>(log)));
            }

            var (a, b) = (nodes[0], nodes[1]);
            await a.CreateTopicAsync("t");
            await using var onA = await a.ConnectAsync();
            await onA.SubscribeAsync("t");
            await using var onB = await b.ConnectAsync();
            await onB.SubscribeAsync("t");

            // Messages flow from a publisher on each node for the whole test.
            using var stop = new CancellationTokenSource();
            var publishers = new[] { PublishUntilAsync(a, "a", stop.Token), PublishUntilAsync(b, "b", stop.Token) };

            const int kills = 3;
            for (var kill = 0; kill < kills; kill++)
            {
                // Each node is deaf from the moment the client reports the link lost until a probe sent since then comes
                // back: a window that can be a few milliseconds when the client reconnects at once, too short to catch by
                // polling /health/ready on a loaded machine. What every kill must leave is the node's one warning with
                // the cause (readiness while deaf is asserted by the wedge test, whose window is seconds).
                // The kill's incident is logged after the ones before it. On a loaded machine a node can also be deaf for a
                // moment on its own (no probe back within the probe timeout): an incident of its own, which shifts the count.
                var seen = logs.Select(l => l.Count(DeafEvent)).ToArray();
                await redis.CliAsync("CLIENT", "KILL", "TYPE", "pubsub");
                for (var i = 0; i < logs.Length; i++)
                {
                    var (log, before) = (logs[i], seen[i]);
                    try
                    {
                        await Waits.UntilAsync(
                            () => log.Entries.Where(e => e.EventId == DeafEvent).Skip(before).Any(e => e.Message.Contains("was lost", StringComparison.Ordinal)),
                            Timeouts.Long);
                    }
                    catch (OperationCanceledException)
                    {
                        Assert.Fail($"kill {kill + 1}: node {i} logged no incident whose cause is the lost link within {Timeouts.Long}:\n{log}");
                    }
                }

                foreach (var node in nodes)
                {
                    await WaitForReadyAsync(node, 200, Timeouts.Long);
                }
            }

            await stop.CancelAsync();
            var acked = (await Task.WhenAll(publishers).Within(Timeouts.Long)).Max();
            Assert.True(acked >= 10, $"only {acked} messages were published");

            foreach (var subscriber in new[] { onA, onB })
            {
                // Every message, once, in order: what the dead links missed came from history.
                var seqs = (await subscriber.ReadEventsThroughAsync(acked)).EventSeqs();
                Assert.Equal(Enumerable.Range(1, (int)acked).Select(x => (long)x), seqs);
            }

            foreach (var log in logs)
            {
                // One warning per incident, each ended by one "hears again": a line per probe would break the pairing.
                await Waits.UntilAsync(() => log.Count(HearsAgainEvent) == log.Count(DeafEvent));
                Assert.True(
                    log.Entries.Count(e => e.EventId == DeafEvent && e.Message.Contains("was lost", StringComparison.Ordinal)) == kills,
                    $"expected {kills} incidents for the kills:\n{log}");
                Assert.All(log.Entries.Where(e => e.EventId == DeafEvent), e => Assert.Equal(LogLevel.Warning, e.Level));
            }
        }
        finally
        {
            await Cluster.StopAsync(nodes);
        }
    }

    [SkippableFact]
    public async Task A_wedged_link_that_never_closes_makes_the_node_unready_within_the_bound_then_it_reconnects_and_delivers_everything()
    {
        RedisServer.SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync();
        await using var proxy = new StallingProxy(redis.Port);
        var prefix = $"wedge:{Guid.NewGuid():N}:";
        var log = new LogCapture();

        // Node a reaches Redis through the proxy; node b directly.
        var viaProxy = Cluster.Settings(redis, prefix, Fast);
        viaProxy["PubSub:Redis:Configuration"] = proxy.Configuration;
        await using var a = await TestServer.StartAsync(viaProxy, s => s.AddSingleton<ILoggerProvider>(log));
        await using var b = await TestServer.StartAsync(Cluster.Settings(redis, prefix, Fast));
        await b.CreateTopicAsync("t");
        await using var subscriber = await a.ConnectAsync();
        await subscriber.SubscribeAsync("t");
        Assert.Equal(201, (await b.PublishRestAsync("t", new { n = 0 })).Status);
        Assert.Equal(1, (await subscriber.ExpectAsync("event")).GetProperty("seq").GetInt64());
        await WaitForReadyAsync(a, 200, Timeouts.Short);

        Assert.True(proxy.WedgeSubscriptions() >= 1, "no subscription connection went through the proxy");
        var wedgedAt = DateTime.UtcNow;
        for (var n = 1; n <= 20; n++)
        {
            Assert.Equal(201, (await b.PublishRestAsync("t", new { n })).Status);
        }

        // Not ready, naming the link and the cause. (Other checks may be slow meanwhile: the readiness answer can take
        // the redis check's own timeout, so when it turned is read from the log line written at that moment.)
        var deaf = await WaitForCheckAsync(a, "redis-receiving-link", "unhealthy", Timeouts.Short);
        Assert.Equal("unhealthy", deaf.GetProperty("status").GetString());
        var description = Check(deaf, "redis-receiving-link").GetProperty("description").GetString();
        Assert.Contains("receiving link", description);
        Assert.Contains("does not deliver", description);
        // The wedge's incident is the first one logged after it: on a loaded machine the node can also be deaf for a
        // moment before the wedge or after it healed (a probe later than the 1 s bound), each a separate incident.
        bool SinceWedge(LogCapture.Entry e, int eventId) => e.EventId == eventId && e.LoggedAt >= wedgedAt;
        var incident = log.Entries.First(e => SinceWedge(e, DeafEvent));
        var turned = incident.LoggedAt - wedgedAt;
        Assert.True(turned < TimeSpan.FromSeconds(2.5), $"deaf only {turned} after the wedge (bound 1 s, probes every 0.1 s)");

        // The client drops the silent link and makes a new one; the engine repairs from history.
        var seqs = (await subscriber.ReadEventsThroughAsync(21)).EventSeqs();
        Assert.Equal(Enumerable.Range(2, 20).Select(x => (long)x), seqs);
        await WaitForReadyAsync(a, 200, Timeouts.Long);
        Assert.Equal(201, (await b.PublishRestAsync("t", new { n = 21 })).Status);
        Assert.Equal(22, (await subscriber.ExpectAsync("event")).GetProperty("seq").GetInt64());

        // The incident ended, and was logged once while it lasted (its first cause), not once per probe.
        await Waits.UntilAsync(() => log.Entries.Any(e => SinceWedge(e, HearsAgainEvent)));
        var healed = log.Entries.First(e => SinceWedge(e, HearsAgainEvent)).LoggedAt;
        Assert.True(log.Entries.Count(e => SinceWedge(e, DeafEvent) && e.LoggedAt <= healed) == 1, log.ToString());
        Assert.Contains("does not deliver", incident.Message);
    }

    /// <summary>Publishes over /ws until stopped; returns the last acked seq.</summary>
    private static async Task<long> PublishUntilAsync(TestServer node, string name, CancellationToken stop)
    {
        await using var publisher = await node.ConnectAsync();
        long last = 0;
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            await publisher.PublishAsync("t", new { name, i }, requestId: $"{name}{i}", clientId: name);
            var reply = await publisher.ReceiveAsync();
            Assert.True(reply.GetProperty("type").GetString() == "ack", $"publish through {name} not acked: {reply}");
            last = Math.Max(last, reply.GetProperty("seq").GetInt64());
            await Task.Delay(20, CancellationToken.None); // a steady flow, not a flood
        }

        return last;
    }

    /// <summary>Polls /health/ready until its check <paramref name="name"/> is <paramref name="status"/>; returns the body.</summary>
    private static async Task<JsonElement> WaitForCheckAsync(TestServer node, string name, string status, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var (_, body) = await node.SendAsync(HttpMethod.Get, "/health/ready");
            if (Check(body, name).GetProperty("status").GetString() == status)
            {
                return body;
            }

            Assert.True(clock.Elapsed < timeout, $"the check {name} stayed other than {status} for {timeout}: {body}");
            await Task.Delay(5); // readiness has no event to wait on: the probe is what is under test
        }
    }

    /// <summary>Polls /health/ready until it answers <paramref name="status"/>; returns its body.</summary>
    private static async Task<JsonElement> WaitForReadyAsync(TestServer node, int status, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var (got, body) = await node.SendAsync(HttpMethod.Get, "/health/ready");
            if (got == status)
            {
                return body;
            }

            Assert.True(clock.Elapsed < timeout, $"/health/ready stayed {got} for {timeout}: {body}");
            await Task.Delay(10); // readiness has no event to wait on: the probe is what is under test
        }
    }

    private static JsonElement Check(JsonElement health, string name) =>
        health.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == name);
}
