using System.Text.Json;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Cluster;

/// <summary>
/// Readiness on a real Redis Cluster (three masters, three replicas) when the one endpoint a node was given dies and its
/// replica takes over: the node serves every slot through the other cluster nodes, so it is ready again, and works.
/// </summary>
public sealed class ClusterFailoverReadinessTests
{
    [SkippableFact]
    public async Task A_node_given_one_master_is_ready_again_and_works_after_that_master_dies_and_fails_over()
    {
        RedisCluster.SkipUnlessAvailable();
        await using var cluster = await RedisCluster.StartAsync(masters: 3, replicasPerMaster: 1);
        var prefix = $"ready:{Guid.NewGuid():N}:";
        var given = await cluster.MasterOfAsync(prefix + "{nodes}:topics"); // also the master of the registry and reports
        await using var node = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["PubSub:Redis:Configuration"] = $"127.0.0.1:{given.Port}",
            ["PubSub:Redis:KeyPrefix"] = prefix,
            ["PubSub:Redis:OperationTimeout"] = "00:00:01",
            ["PubSub:Redis:LinkProbeInterval"] = "00:00:00.250",
            ["PubSub:Redis:LinkProbeTimeout"] = "00:00:02",
            ["PubSub:Cluster:ReportInterval"] = "00:00:00.250",
        });
        await node.CreateTopicAsync("before");
        await Waits.UntilAsync(async () => (await node.SendAsync(HttpMethod.Get, "/health/ready")).Status == 200, Timeouts.Long);

        await cluster.KillMasterOfAsync(prefix + "{nodes}:topics");

        // Ready again once the replica serves the slot, though the endpoint it was configured with is gone for good.
        (int Status, JsonElement Body) ready = default;
        await Waits.UntilAsync(async () => (ready = await node.SendAsync(HttpMethod.Get, "/health/ready")).Status == 200, Timeouts.Long);
        Assert.Equal("healthy", ready.Body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "redis").GetProperty("status").GetString());
        await Waits.UntilAsync(async () => (await node.SendAsync(HttpMethod.Post, "/topics", """{"name":"after"}""")).Status == 201, Timeouts.Long);
        Assert.Equal(201, (await node.PublishRestAsync("before", new { n = 1 })).Status);
        var (_, topics) = await node.SendAsync(HttpMethod.Get, "/topics");
        Assert.Equal(["after", "before"], topics.GetProperty("topics").EnumerateArray().Select(t => t.GetProperty("name").GetString()).Order());
    }
}
