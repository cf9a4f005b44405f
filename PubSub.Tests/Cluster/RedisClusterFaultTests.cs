using System.Diagnostics;
using System.Text.Json;
using PubSub.Tests.Infrastructure;
using Xunit.Abstractions;

namespace PubSub.Tests.Cluster;

/// <summary>
/// PROTOCOL.md §12 and §8 when a Redis Cluster changes under load: a master killed (its replica takes over), with and
/// without acked writes the replica never got, and a topic's slot moved between masters. Two real nodes, a careful
/// publisher on one (<see cref="SteadyPublisher"/>: every publish acked or refused <c>UNAVAILABLE</c>, a refused one sent
/// again with its idempotency key), a /ws subscriber on the other. Each test has a cluster of its own, since it breaks it.
/// </summary>
public sealed class RedisClusterFaultTests(ITestOutputHelper output)
{
    private const string Topic = "t";

    [SkippableFact]
    public async Task A_master_killed_mid_run_loses_no_acked_message_silently_and_publishing_resumes_on_its_replica()
    {
        var clock = Stopwatch.StartNew();
        await using var scene = await Scene.StartAsync(replicasPerMaster: 1);
        await using var publisher = await scene.StartPublishingAsync();

        var failover = Stopwatch.StartNew();
        await scene.Redis.KillMasterOfAsync(scene.Key).Within(Timeouts.Long);
        output.WriteLine($"failed over in {failover.ElapsedMilliseconds} ms");
        var ackedAtFailover = publisher.Acked;
        await publisher.UntilAckedAsync(ackedAtFailover + 20);
        var acked = await publisher.StopAsync();
        Report(publisher, acked);

        var frames = await ReadThroughAsync(scene.Subscriber, acked);
        var delivery = Check(scene.Subscribed, frames, acked);
        Assert.True(publisher.Refused > 0, "no publish was refused: the master died between two publishes and nothing noticed");
        Assert.Empty(delivery.Gaps);
        Assert.True(delivery.Resets.Count <= 1, $"one loss announced more than once: {string.Join(", ", delivery.Resets)}");
        if (delivery.Resets.Count == 0)
        {
            // The replica had every write (loopback replication is quick): every acked message exactly once, with its seq.
            Assert.Equal(Enumerable.Range(1, acked.Count).Select(n => (long)n), acked.OrderBy(x => x.Key).Select(x => x.Value));
            Assert.Equal(acked.Count, delivery.Segments.Single().Count);
        }

        output.WriteLine($"{(delivery.Resets.Count == 0 ? "no acked write lost" : $"reset announced: {delivery.Resets[0]}")}; whole test {clock.ElapsedMilliseconds} ms");
        await scene.Subscriber.ExpectSilenceAsync();
    }

    [SkippableFact]
    public async Task A_master_killed_with_acked_writes_its_replica_never_got_announces_a_reset_and_reuses_no_seq()
    {
        var clock = Stopwatch.StartNew();
        await using var scene = await Scene.StartAsync(replicasPerMaster: 1);
        var epoch = scene.Subscribed.GetProperty("epoch").GetString();
        await using var publisher = await scene.StartPublishingAsync();

        // Async replication's window made wide and certain: the replica stops applying its master's stream (a
        // replica's master link is paused by CLIENT PAUSE WRITE; it still answers reads and the cluster bus), the
        // master acks on, then dies. What it acked since is gone with it.
        var replica = (await scene.Redis.ReplicasOfAsync(await scene.Redis.MasterOfAsync(scene.Key).Within(Timeouts.Long)).Within(Timeouts.Long)).Single();
        Assert.Equal("OK", await replica.CliAsync("CLIENT", "PAUSE", "30000", "WRITE").Within());
        var ackedAtPause = publisher.Acked;
        await publisher.UntilAckedAsync(ackedAtPause + 20);
        var failover = Stopwatch.StartNew();
        await scene.Redis.KillMasterOfAsync(scene.Key).Within(Timeouts.Long);
        output.WriteLine($"failed over in {failover.ElapsedMilliseconds} ms");
        Assert.Equal(replica, await scene.Redis.MasterOfAsync(scene.Key).Within(Timeouts.Long));
        var kept = long.Parse(await replica.CliAsync("HGET", scene.Key, "seq").Within(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("OK", await replica.CliAsync("CLIENT", "UNPAUSE").Within());
        var ackedAtFailover = publisher.Acked;

        // What it had when paused (one publish may have been stored and not yet acked then), nothing after.
        Assert.True(kept >= 1 && kept <= ackedAtPause + 1,
            $"the replica holds seq {kept}, {ackedAtPause} were acked when it was paused: this Redis did not hold its replication stream back");
        await publisher.UntilAckedAsync(ackedAtFailover + 20);
        var acked = await publisher.StopAsync();
        Report(publisher, acked);
        output.WriteLine($"the replica kept seq 1..{kept} of {ackedAtFailover} acked before it took over");

        var frames = await ReadThroughAsync(scene.Subscriber, acked);
        var delivery = Check(scene.Subscribed, frames, acked);
        Assert.Empty(delivery.Gaps);

        // Told once, with the seq the new epoch goes on from; then the new epoch's messages from the next seq.
        var reset = Assert.Single(delivery.Resets);
        Assert.NotEqual(epoch, reset.Epoch);
        Assert.Equal(kept, reset.Seq);
        Assert.True(delivery.Segments[0].Count > kept, "the subscriber did not receive the messages the failover lost before it");
        Assert.Equal(kept + 1, delivery.Segments[1][0].Seq);

        // A resume from the old epoch is told it has a gap, and replays the new epoch from its oldest retained message.
        await using var resume = await scene.B.ConnectAsync();
        await resume.SendAsync(new { type = "subscribe", topic = Topic, client_id = "r", since_seq = kept, epoch });
        var resumed = await resume.ExpectAsync("ack");
        Assert.True(resumed.GetProperty("gap").GetBoolean());
        Assert.Equal(reset.Epoch, resumed.GetProperty("epoch").GetString());
        Assert.Equal(1, (await resume.ExpectAsync("event")).GetProperty("seq").GetInt64());
        output.WriteLine($"whole test {clock.ElapsedMilliseconds} ms");
    }

    [SkippableFact]
    public async Task A_slot_moved_back_and_forth_mid_run_delivers_every_acked_message_once_in_order()
    {
        var clock = Stopwatch.StartNew();
        await using var scene = await Scene.StartAsync(replicasPerMaster: 0);
        await using var publisher = await scene.StartPublishingAsync();

        // Away, back, away again: each move after the first returns the slot to a cluster node that dropped the channel's
        // subscribers when the slot left it.
        var origin = await scene.Redis.MasterOfAsync(scene.Key).Within(Timeouts.Long);
        RedisServer? away = null;
        for (var move = 1; move <= 3; move++)
        {
            var moving = Stopwatch.StartNew();
            var target = await scene.Redis.MigrateSlotOfAsync(scene.Key, move == 2 ? origin : away).Within(Timeouts.Long);
            away ??= target;
            output.WriteLine($"slot moved to port {target.Port} in {moving.ElapsedMilliseconds} ms, {publisher.Acked} acked so far");

            // Publishing works again on the slot's new owner.
            await publisher.UntilAckedAsync(publisher.Acked + 20);
        }

        var acked = await publisher.StopAsync();
        Report(publisher, acked);

        // Nothing lost or stored twice: the acks are the seqs 1..N, and the subscriber gets each once, in order.
        Assert.Equal(Enumerable.Range(1, acked.Count).Select(n => (long)n), acked.OrderBy(x => x.Key).Select(x => x.Value));
        var delivery = Check(scene.Subscribed, await ReadThroughAsync(scene.Subscriber, acked), acked);
        Assert.Empty(delivery.Gaps);
        Assert.Empty(delivery.Resets);
        Assert.Equal(acked.Count, delivery.Segments.Single().Count);
        await scene.Subscriber.ExpectSilenceAsync();

        // The topic is still listed, read and deleted like any other.
        foreach (var node in scene.Nodes)
        {
            Assert.Contains(Topic, (await node.SendAsync(HttpMethod.Get, "/topics")).Body.GetProperty("topics").EnumerateArray().Select(t => t.GetProperty("name").GetString()));
        }

        var (status, page) = await scene.B.SendAsync(HttpMethod.Get, $"/api/topics/{Topic}/messages/?limit=100");
        Assert.Equal(200, status);
        Assert.Equal(Math.Min(acked.Count, Cluster.HistoryCapacity), page.GetProperty("total_count").GetInt32()); // what history retains
        var newest = page.GetProperty("messages")[0];
        Assert.Equal(acked.Count, newest.GetProperty("seq").GetInt64());
        Assert.Equal(acked.Keys.Max(), newest.GetProperty("payload").GetProperty("n").GetInt32());
        Assert.Equal(200, (await scene.A.SendAsync(HttpMethod.Delete, $"/api/topics/{Topic}/")).Status);
        Assert.Equal("topic_deleted", (await scene.Subscriber.ExpectAsync("info")).GetProperty("msg").GetString());
        Assert.Equal(404, (await scene.B.SendAsync(HttpMethod.Get, $"/api/topics/{Topic}/")).Status);
        output.WriteLine($"whole test {clock.ElapsedMilliseconds} ms");
    }

    [SkippableFact]
    public async Task A_slot_moved_while_its_topic_is_quiet_still_delivers_the_next_publish()
    {
        var clock = Stopwatch.StartNew();
        await using var scene = await Scene.StartAsync(replicasPerMaster: 0);
        await using var publisher = await scene.A.ConnectAsync();
        var origin = await scene.Redis.MasterOfAsync(scene.Key).Within(Timeouts.Long);

        // Away and back: back on a cluster node that dropped the channel's subscribers when the slot left it.
        foreach (var to in new[] { null, origin })
        {
            var target = await scene.Redis.MigrateSlotOfAsync(scene.Key, to).Within(Timeouts.Long);
            var seq = await RedisFaultTests.PublishUntilAckedAsync(publisher, Topic);
            var sent = Stopwatch.StartNew();
            var received = await scene.Subscriber.ExpectAsync("event", TimeSpan.FromSeconds(5));
            Assert.Equal(seq, received.GetProperty("seq").GetInt64());
            output.WriteLine($"after the move to port {target.Port}: seq {seq} delivered {sent.ElapsedMilliseconds} ms after its ack");
        }

        await scene.Subscriber.ExpectSilenceAsync();
        output.WriteLine($"whole test {clock.ElapsedMilliseconds} ms");
    }

    /// <summary>A cluster of the test's own, two nodes on it, topic <see cref="Topic"/> and a /ws subscriber of it on B.</summary>
    private sealed class Scene : IAsyncDisposable
    {
        private Scene(RedisCluster cluster, TestServer[] nodes, string prefix)
        {
            Redis = cluster;
            Nodes = nodes;
            Key = $"{prefix}topic:{{{Topic}}}";
        }

        public RedisCluster Redis { get; }

        public TestServer[] Nodes { get; }

        public TestServer A => Nodes[0];

        public TestServer B => Nodes[1];

        /// <summary>The topic's hash: its slot is the topic's.</summary>
        public string Key { get; }

        public WsClient Subscriber { get; private set; } = null!;

        /// <summary>The subscriber's subscribe ack.</summary>
        public JsonElement Subscribed { get; private set; }

        public static async Task<Scene> StartAsync(int replicasPerMaster)
        {
            RedisCluster.SkipUnlessAvailable();
            var cluster = await RedisCluster.StartAsync(masters: 3, replicasPerMaster).Within(Timeouts.Long);
            var prefix = $"faults:{Guid.NewGuid():N}:";
            var scene = new Scene(cluster, await Cluster.StartReadyAsync(cluster.Configuration, 2, Cluster.QuickReconnect, prefix: prefix), prefix);
            try
            {
                await scene.A.CreateTopicAsync(Topic);
                scene.Subscriber = await scene.B.ConnectAsync();
                scene.Subscribed = await scene.Subscriber.SubscribeAsync(Topic);
                return scene;
            }
            catch
            {
                await scene.DisposeAsync();
                throw;
            }
        }

        /// <summary>Starts a <see cref="SteadyPublisher"/> on A and waits for its first acks.</summary>
        public async Task<SteadyPublisher> StartPublishingAsync()
        {
            var publisher = await SteadyPublisher.StartAsync(A, Topic);
            try
            {
                await publisher.UntilAckedAsync(20);
                return publisher;
            }
            catch
            {
                await publisher.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync() => await Cleanup.RunAsync(
            () => Subscriber is null ? Task.CompletedTask : Subscriber.DisposeAsync().AsTask(),
            () => Cluster.StopAsync(Nodes),
            () => Redis.DisposeAsync().AsTask());
    }

    private void Report(SteadyPublisher publisher, IReadOnlyDictionary<int, long> acked) =>
        output.WriteLine($"{acked.Count} acked, {publisher.Refused} refused ({publisher.Refusals}), {publisher.Duplicates} duplicate acks, slowest reply {publisher.SlowestReply.TotalMilliseconds:0} ms");

    /// <summary>Reads the subscriber's frames until the last acked message arrives with the seq its ack gave.</summary>
    private static Task<List<JsonElement>> ReadThroughAsync(WsClient subscriber, IReadOnlyDictionary<int, long> acked)
    {
        var (last, seq) = acked.MaxBy(x => x.Key);
        return subscriber.ReadFramesUntilAsync(
            f => f.GetProperty("type").GetString() == "event" && f.GetProperty("seq").GetInt64() == seq
                && f.GetProperty("message").GetProperty("payload").GetProperty("n").GetInt32() == last,
            $"message {last} (seq {seq})");
    }

    /// <param name="Segments">The events of each epoch the subscriber was in, in the order received: (message number, seq).</param>
    /// <param name="Resets">Each <c>reset</c> notice: the new epoch and the seq it goes on from.</param>
    /// <param name="Gaps">Each <c>gap</c> notice: the seqs history no longer held.</param>
    private sealed record Delivery(List<List<(int N, long Seq)>> Segments, List<(string Epoch, long Seq)> Resets, List<(long From, long To)> Gaps);

    /// <summary>
    /// What PROTOCOL.md §8 promises a subscriber, checked on every frame it got after its subscribe ack: within an epoch,
    /// consecutive seqs but where a <c>gap</c> notice names the ones skipped; a new epoch only after a <c>reset</c> notice,
    /// and then seqs from the notice's on; each message at most once per epoch, in the order it was published; every acked
    /// message delivered with the seq its ack gave, unless a reset announced that the store lost it (its seq is past the
    /// seq the new epoch went on from). Nothing else arrives but heartbeats.
    /// </summary>
    private static Delivery Check(JsonElement subscribed, List<JsonElement> frames, IReadOnlyDictionary<int, long> acked)
    {
        var delivery = new Delivery([[]], [], []);
        var epoch = subscribed.GetProperty("epoch").GetString();
        var next = subscribed.GetProperty("seq").GetInt64() + 1;
        foreach (var frame in frames)
        {
            var what = frame.GetProperty("type").GetString() + (frame.TryGetProperty("msg", out var msg) ? " " + msg.GetString() : "");
            switch (what)
            {
                case "event":
                    var seq = frame.GetProperty("seq").GetInt64();
                    Assert.True(seq == next, $"seq {seq} where {next} was due, with no gap or reset notice: {frame}");
                    delivery.Segments[^1].Add((frame.GetProperty("message").GetProperty("payload").GetProperty("n").GetInt32(), seq));
                    next = seq + 1;
                    break;
                case "info gap":
                    Assert.Equal(next, frame.GetProperty("from_seq").GetInt64());
                    delivery.Gaps.Add((next, frame.GetProperty("to_seq").GetInt64()));
                    next = delivery.Gaps[^1].To + 1;
                    break;
                case "info reset":
                    var fresh = frame.GetProperty("epoch").GetString()!;
                    Assert.NotEqual(epoch, fresh);
                    epoch = fresh;
                    delivery.Resets.Add((fresh, frame.GetProperty("seq").GetInt64()));
                    delivery.Segments.Add([]);
                    next = delivery.Resets[^1].Seq + 1;
                    break;
                case "info ping":
                    break;
                default:
                    throw new Xunit.Sdk.XunitException($"unexpected frame for a subscriber: {frame}");
            }
        }

        foreach (var segment in delivery.Segments)
        {
            var order = segment.Select(d => d.N).ToList();
            Assert.True(order.Distinct().Count() == order.Count, $"a message delivered twice in one epoch: {string.Join(",", order)}");
            Assert.True(order.Order().SequenceEqual(order), $"messages out of their publish order: {string.Join(",", order)}");
        }

        // A message may be missing only if acked in an epoch that a reset ended, past the seq the reset went on from: acked
        // before the first message the subscriber got of the new epoch with the seq its ack gave (publishes are sequential).
        foreach (var (n, seq) in acked)
        {
            var delivered = delivery.Segments.Any(segment => segment.Contains((n, seq)));
            var lost = delivery.Resets.Select((reset, k) => reset.Seq < seq && n < delivery.Segments[k + 1]
                .Where(d => acked.TryGetValue(d.N, out var ackedSeq) && ackedSeq == d.Seq).Select(d => d.N).DefaultIfEmpty(int.MaxValue).Min()).Any(x => x);
            Assert.True(delivered || lost, $"message {n}, acked as seq {seq}, was never delivered and no reset announced its loss");
        }

        return delivery;
    }
}
