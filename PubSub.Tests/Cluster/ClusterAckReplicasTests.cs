using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Cluster;

/// <summary>
/// <c>PubSub:Redis:AckReplicas</c> on a real Redis Cluster (three masters, a replica each): the ack waits for the replica
/// of the master that holds the topic (Redis <c>WAIT</c> there, on the connection the publish went on), not for any
/// replica of any master.
/// </summary>
public sealed class ClusterAckReplicasTests
{
    [SkippableFact]
    public async Task The_ack_waits_for_the_replica_of_the_topics_own_master()
    {
        RedisCluster.SkipUnlessAvailable();
        await using var cluster = await RedisCluster.StartAsync(masters: 3, replicasPerMaster: 1);
        var prefix = $"replicas:{Guid.NewGuid():N}:";
        await using var node = await TestServer.StartAsync(Cluster.Settings(cluster.Configuration, prefix, new Dictionary<string, string?>
        {
            ["PubSub:Redis:AckReplicas"] = "1",
            // WAIT is bounded to half of it; the other half is the margin for reading its answer on a loaded machine
            // (with 1 s, a 500 ms margin, the call itself timed out now and then: "whether ... is not known").
            ["PubSub:Redis:OperationTimeout"] = "00:00:03",
        }));
        await node.CreateTopicAsync("t");
        Assert.Equal(201, (await node.PublishRestAsync("t", new { n = 1 })).Status);

        // The topic's replica stops applying what its master sends (it still answers the cluster): the next publish is
        // stored on the master, and not acked.
        var master = await cluster.MasterOfAsync($"{prefix}topic:{{t}}");
        var replica = (await cluster.ReplicasOfAsync(master)).Single();
        Assert.Equal("OK", await replica.CliAsync("CLIENT", "PAUSE", "8000", "WRITE"));
        var (status, body) = await node.PublishRestAsync("t", new { n = 2 });
        Assert.Equal(503, status);
        Assert.Contains("not yet on the replicas", body.GetProperty("error").GetString());

        // Once it applies again, publishes are acked again.
        await Waits.UntilAsync(async () => (await node.PublishRestAsync("t", new { n = 3 })).Status == 201, Timeouts.Long);
    }
}
