using PubSub.Core;
using PubSub.Core.Engine;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Engine;

/// <summary>
/// The contract against the Redis engine on a real Redis Cluster (three masters, PROTOCOL.md §12): the same tests as
/// every engine, unchanged, and what a cluster adds: one slot per topic, sharded channels, scripts on every master.
/// A cluster per class, a key prefix of its own per test.
/// </summary>
public sealed class RedisClusterEngineContractTests(RedisClusterFixture fixture) : EngineContractTests, IClassFixture<RedisClusterFixture>
{
    private readonly string _prefix = $"test:{Guid.NewGuid():N}:";

    private protected override BrokerNode CreateNode(Action<PubSubOptions>? configure)
    {
        RedisCluster.SkipUnlessAvailable();
        return BrokerNode.OnRedis(fixture.Cluster.Configuration, _prefix, configure);
    }

    [SkippableFact]
    public async Task A_topics_keys_share_its_slot_and_the_registry_and_reports_share_another()
    {
        var node = Node();
        await node.Broker.CreateTopicAsync("orders").Within();
        await node.PublishAsync("orders", key: "k");
        var cluster = fixture.Cluster;

        var topicKeys = new[] { $"{_prefix}topic:{{orders}}", $"{_prefix}history:{{orders}}", $"{_prefix}idem:{{orders}}/k", $"{_prefix}ch:{{orders}}" };
        Assert.Single(topicKeys.Select(RedisCluster.HashSlot).Distinct());
        var owner = await cluster.MasterOfAsync(topicKeys[0]);
        foreach (var key in topicKeys[..3])
        {
            Assert.Equal("1", await cluster.CliAsync(owner.Port, "EXISTS", key));
        }

        var nodeKeys = new[] { $"{_prefix}{{nodes}}:topics", $"{_prefix}{{nodes}}:owners", $"{_prefix}{{nodes}}:events", $"{_prefix}{{nodes}}:nodes", $"{_prefix}{{nodes}}:reports" };
        Assert.Single(nodeKeys.Select(RedisCluster.HashSlot).Distinct());
        var registry = await cluster.MasterOfAsync(nodeKeys[0]);
        Assert.Equal("orders", await cluster.CliAsync(registry.Port, "HKEYS", nodeKeys[0]));
    }

    [SkippableFact]
    public async Task A_topics_events_travel_on_a_sharded_channel_of_its_slots_master_never_on_a_classic_channel()
    {
        var publisher = Node();
        var subscriberNode = Node();
        await publisher.Broker.CreateTopicAsync("orders").Within();
        var subscriber = await subscriberNode.SubscribeAsync("orders");
        await publisher.PublishAsync("orders");
        Assert.Equal([1], (await subscriber.ReadThroughSeqAsync(1)).Seqs());

        var channel = $"{_prefix}ch:{{orders}}";
        var cluster = fixture.Cluster;
        var owner = await cluster.MasterOfAsync(channel);
        Assert.Contains(channel, await cluster.CliAsync(owner.Port, "PUBSUB", "SHARDCHANNELS", _prefix + "*"));
        foreach (var master in cluster.Nodes)
        {
            // A classic PUBLISH would be copied to every cluster node (redis/redis#2672): none of the engine's channels is one.
            Assert.Equal("", await cluster.CliAsync(master.Port, "PUBSUB", "CHANNELS", _prefix + "*"));
        }
    }

    [SkippableFact]
    public async Task Publishes_survive_every_master_forgetting_the_scripts()
    {
        var node = Node();
        await node.Broker.CreateTopicAsync("a").Within();
        await node.Broker.CreateTopicAsync("b").Within();
        var subscriber = await node.SubscribeAsync("a");
        await node.PublishAsync("a");
        await node.PublishAsync("b");
        foreach (var master in fixture.Cluster.Nodes)
        {
            Assert.Equal("OK", await fixture.Cluster.CliAsync(master.Port, "SCRIPT", "FLUSH"));
        }

        Assert.Equal(2, (await node.PublishAsync("a")).Seq);
        Assert.Equal(2, (await node.PublishAsync("b")).Seq);
        Assert.Equal([1, 2], (await subscriber.ReadThroughSeqAsync(2)).Seqs());
        Assert.Equal(2, (await node.Engine.ReadHistoryAsync("b", HistoryQuery.Last(5)).Within())!.Messages.Count);
    }

    [SkippableFact]
    public async Task A_registry_entry_left_by_a_create_cut_short_is_given_back_once_old_enough()
    {
        var node = Node();
        var cluster = fixture.Cluster;
        var registry = $"{_prefix}{{nodes}}:topics";
        var master = await cluster.MasterOfAsync(registry);

        // As a node that died between the reservation and the topic would have left it: a fresh entry holds the name (a
        // create may be in progress).
        var now = long.Parse((await cluster.CliAsync(master.Port, "TIME")).Split('\n')[0], System.Globalization.CultureInfo.InvariantCulture) * 1000;
        Assert.Equal("1", await cluster.CliAsync(master.Port, "HSET", registry, "ghost", $"deadbeef\n{now}\n"));
        Assert.Null(await node.Engine.CreateTopicAsync("ghost", null).Within());
        Assert.Empty(await node.Engine.ListTopicsAsync().Within());

        // Older than the grace (twice the operation timeout and 2 s): given back, and the name is free.
        Assert.Equal("0", await cluster.CliAsync(master.Port, "HSET", registry, "ghost", $"deadbeef\n{now - 60_000}\n"));
        Assert.NotNull(await node.Engine.CreateTopicAsync("ghost", null).Within());
        Assert.Equal(["ghost"], (await node.Engine.ListTopicsAsync().Within()).Select(t => t.Name));
    }
}
