using System.Diagnostics;
using System.Globalization;
using PubSub.Tests.Infrastructure;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace PubSub.Tests.Cluster;

/// <summary>
/// The Redis Cluster test fixture against the real thing: its slot map, hash tags, sharded pub/sub across masters,
/// a slot moved while a client writes to it, a master killed and replaced by its replica. The tests that do not
/// change the cluster share one; the others start their own.
/// </summary>
public sealed class RedisClusterFixtureTests(RedisClusterFixture fixture, ITestOutputHelper output) : IClassFixture<RedisClusterFixture>
{
    [SkippableFact]
    public async Task Computes_hash_slots_as_the_cluster_does()
    {
        RedisCluster.SkipUnlessAvailable();
        output.WriteLine($"3-master cluster started in {fixture.Cluster.StartTime.TotalMilliseconds:0} ms");
        string[] keys = ["", "foo", "123456789", "{user1000}.following", "{user1000}.followers", "foo{}{bar}", "foo{{bar}}zap",
            "foo{bar}{zap}", "{", "}{x}", "topic:{orders.eu}:history", "ü-topic", "chat:room-42"];
        foreach (var key in keys)
        {
            Assert.Equal(await fixture.Cluster.SlotOfAsync(key).Within(), RedisCluster.HashSlot(key));
        }

        // CRC16/XMODEM's check value for "123456789" is 0x31C3.
        Assert.Equal(0x31C3, RedisCluster.HashSlot("123456789"));
    }

    [SkippableFact]
    public async Task Keys_with_one_hash_tag_share_a_slot_and_one_script_can_touch_them_all()
    {
        RedisCluster.SkipUnlessAvailable();
        var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Cluster.Configuration).Within();
        await using var redisDisposal = redis.DisposeWithin();
        var db = redis.GetDatabase();
        const string script = "redis.call('INCR', KEYS[1]); return redis.call('RPUSH', KEYS[2], ARGV[1])";

        string[] tagged = ["{tagged.topic}:seq", "{tagged.topic}:history"];
        Assert.Equal(await fixture.Cluster.SlotOfAsync(tagged[0]).Within(), await fixture.Cluster.SlotOfAsync(tagged[1]).Within());
        Assert.Equal(1, (long)await db.ScriptEvaluateAsync(script, [tagged[0], tagged[1]], ["m1"]).Within());

        // Without the tag the same two names fall into different slots, and the cluster refuses the script.
        string[] untagged = ["untagged.topic:seq", "untagged.topic:history"];
        Assert.NotEqual(RedisCluster.HashSlot(untagged[0]), RedisCluster.HashSlot(untagged[1]));
        var refused = await Assert.ThrowsAnyAsync<Exception>(() => db.ScriptEvaluateAsync(script, [untagged[0], untagged[1]], ["m1"]).Within());
        Assert.Contains("slot", refused.Message, StringComparison.OrdinalIgnoreCase);
    }

    [SkippableFact]
    public async Task The_master_of_a_key_holds_it_and_the_others_redirect_to_it()
    {
        RedisCluster.SkipUnlessAvailable();
        var cluster = fixture.Cluster;
        var redis = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration).Within();
        await using var redisDisposal = redis.DisposeWithin();
        await redis.GetDatabase().StringSetAsync("owned.key", "here").Within();

        var master = await cluster.MasterOfAsync("owned.key").Within(Timeouts.Long);
        Assert.Equal("here", await cluster.CliAsync(master.Port, "GET", "owned.key").Within());
        var slot = RedisCluster.HashSlot("owned.key").ToString(CultureInfo.InvariantCulture);
        foreach (var other in cluster.Configuration.Split(',').Select(endpoint => int.Parse(endpoint.Split(':')[1], CultureInfo.InvariantCulture)).Where(port => port != master.Port))
        {
            Assert.Equal($"MOVED {slot} 127.0.0.1:{master.Port}", await cluster.CliAsync(other, "GET", "owned.key").Within());
        }
    }

    [SkippableFact]
    public async Task Sharded_publish_reaches_sharded_subscribers_on_every_master()
    {
        RedisCluster.SkipUnlessAvailable();
        var cluster = fixture.Cluster;

        // One channel per master: sharded pub/sub stays on the master that serves the channel's slot.
        var channels = new Dictionary<int, string>();
        for (var i = 0; channels.Count < 3; i++)
        {
            Assert.True(i < 100, "no channel names found on three different masters");
            var name = $"sharded.news.{i}";
            channels.TryAdd((await cluster.MasterOfAsync(name).Within(Timeouts.Long)).Port, name);
        }

        var subscriber = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration).Within();
        await using var subscriberDisposal = subscriber.DisposeWithin();
        var publisher = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration).Within();
        await using var publisherDisposal = publisher.DisposeWithin();
        foreach (var (port, name) in channels)
        {
            var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
            await subscriber.GetSubscriber().SubscribeAsync(RedisChannel.Sharded(name), (_, message) => received.TrySetResult(message!)).Within();

            Assert.Equal($"{name}\n1", await cluster.CliAsync(port, "PUBSUB", "SHARDNUMSUB", name).Within());
            Assert.Equal(1, await publisher.GetSubscriber().PublishAsync(RedisChannel.Sharded(name), $"to {port}").Within());
            Assert.Equal($"to {port}", await received.Task.Within());
        }
    }

    [SkippableFact]
    public async Task A_key_written_before_its_slot_moves_is_read_on_the_new_owner_and_writes_during_the_move_are_kept()
    {
        RedisCluster.SkipUnlessAvailable();
        await using var cluster = await RedisCluster.StartAsync().Within(Timeouts.Long);
        var redis = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration).Within();
        await using var redisDisposal = redis.DisposeWithin();
        var db = redis.GetDatabase();
        for (var i = 0; i < 250; i++)
        {
            await db.StringSetAsync($"{{moving}}:{i}", i).Within();
        }

        // A client keeps writing to the slot while it moves (redirected with ASK, then MOVED); none of it may be lost.
        using var stop = new CancellationTokenSource();
        var writes = 0;
        var writer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                await db.StringIncrementAsync("{moving}:counter").Within();
                writes++;
            }
        });

        var source = await cluster.MasterOfAsync("{moving}:0").Within(Timeouts.Long);
        var clock = Stopwatch.StartNew();
        var target = await cluster.MigrateSlotOfAsync("{moving}:0").Within(Timeouts.Long);
        output.WriteLine($"slot of 251 keys moved in {clock.ElapsedMilliseconds} ms");
        await stop.CancelAsync();
        await writer.Within();
        output.WriteLine($"{writes} writes to the slot while it moved");

        Assert.NotEqual(source, target);
        Assert.Equal(target, await cluster.MasterOfAsync("{moving}:0").Within(Timeouts.Long));
        Assert.Equal("7", await cluster.CliAsync(target.Port, "GET", "{moving}:7").Within());
        Assert.Equal("0", await cluster.CliAsync(source.Port, "DBSIZE").Within());
        Assert.Equal(249, (int)await db.StringGetAsync("{moving}:249").Within());
        Assert.True(writes > 0);
        Assert.Equal(writes, (int)await db.StringGetAsync("{moving}:counter").Within());
    }

    [SkippableFact]
    public async Task A_sharded_subscription_follows_its_channel_when_the_slot_moves()
    {
        RedisCluster.SkipUnlessAvailable();
        await using var cluster = await RedisCluster.StartAsync().Within(Timeouts.Long);
        var subscriber = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration).Within();
        await using var subscriberDisposal = subscriber.DisposeWithin();
        var publisher = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration).Within();
        await using var publisherDisposal = publisher.DisposeWithin();
        var channel = RedisChannel.Sharded("moving.news");
        var received = System.Threading.Channels.Channel.CreateUnbounded<string>();
        await subscriber.GetSubscriber().SubscribeAsync(channel, (_, message) => received.Writer.TryWrite(message!)).Within();
        Assert.Equal(1, await publisher.GetSubscriber().PublishAsync(channel, "before").Within());
        Assert.Equal("before", await received.Reader.ReadAsync().Within());

        // Redis tells the subscribers of a moved slot's channels that they are unsubscribed (an unsolicited
        // SUNSUBSCRIBE); StackExchange.Redis then subscribes again, on the slot's new owner.
        var target = await cluster.MigrateSlotOfAsync("moving.news").Within(Timeouts.Long);
        await Waits.UntilAsync(async () => await cluster.CliAsync(target.Port, "PUBSUB", "SHARDNUMSUB", "moving.news") == "moving.news\n1");

        Assert.Equal(1, await publisher.GetSubscriber().PublishAsync(channel, "after").Within());
        Assert.Equal("after", await received.Reader.ReadAsync().Within());
    }

    [SkippableFact]
    public async Task A_killed_master_is_replaced_by_its_replica_which_serves_its_keys_and_it_comes_back_as_a_replica()
    {
        RedisCluster.SkipUnlessAvailable();
        await using var cluster = await RedisCluster.StartAsync(masters: 3, replicasPerMaster: 1).Within(Timeouts.Long);
        output.WriteLine($"3 masters + 3 replicas started in {cluster.StartTime.TotalMilliseconds:0} ms");
        var master = await cluster.MasterOfAsync("{doomed}:key").Within(Timeouts.Long);
        var replicas = await cluster.ReplicasOfAsync(master).Within(Timeouts.Long);

        var writer = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration).Within();
        await using (writer.DisposeWithin())
        {
            await writer.GetDatabase().StringSetAsync("{doomed}:key", "kept").Within();

            // WAIT counts the replicas that have every write sent before it on the same connection.
            var acked = await writer.GetServer("127.0.0.1", master.Port).ExecuteAsync("WAIT", 1, 5000).Within();
            Assert.Equal(1, (int)acked);
        }

        var clock = Stopwatch.StartNew();
        var killed = await cluster.KillMasterOfAsync("{doomed}:key").Within(Timeouts.Long);
        output.WriteLine($"failed over in {clock.ElapsedMilliseconds} ms");
        Assert.Equal(master, killed);
        var promoted = await cluster.MasterOfAsync("{doomed}:key").Within(Timeouts.Long);
        Assert.Contains(promoted, replicas);
        Assert.Equal("kept", await cluster.CliAsync(promoted.Port, "GET", "{doomed}:key").Within());
        var reader = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration).Within();
        await using (reader.DisposeWithin())
        {
            Assert.Equal("kept", (string?)await reader.GetDatabase().StringGetAsync("{doomed}:key").Within());
        }

        clock.Restart();
        await cluster.RestartAsync(killed).Within(Timeouts.Long);
        output.WriteLine($"rejoined as a replica in {clock.ElapsedMilliseconds} ms");
        var role = (await cluster.CliAsync(killed.Port, "ROLE").Within()).Split('\n');
        Assert.Equal(["slave", "127.0.0.1", promoted.Port.ToString(CultureInfo.InvariantCulture)], role[..3]);
    }
}
