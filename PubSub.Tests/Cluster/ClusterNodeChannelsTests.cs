using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Cluster;

/// <summary>
/// A node's own channels on a real Redis Cluster (three masters): topic events, its request channel and its link probe
/// are sharded channels like a topic's, and follow their slot when it moves to another master, so the node keeps
/// hearing other nodes' requests and its own probes.
/// </summary>
public sealed class ClusterNodeChannelsTests
{
    [SkippableFact]
    public async Task The_nodes_own_channels_are_subscribed_again_on_the_new_owner_when_their_slots_move()
    {
        RedisCluster.SkipUnlessAvailable();
        await using var cluster = await RedisCluster.StartAsync();
        var prefix = $"moves:{Guid.NewGuid():N}:";
        var settings = new Dictionary<string, string?>
        {
            ["PubSub:Redis:Configuration"] = cluster.Configuration,
            ["PubSub:Redis:KeyPrefix"] = prefix,
            ["PubSub:Redis:LinkProbeInterval"] = "00:00:00.250",
            ["PubSub:Redis:LinkProbeTimeout"] = "00:00:02",
            ["PubSub:Cluster:ReportInterval"] = "00:00:00.250",
        };
        await using var a = await TestServer.StartAsync(settings);
        await using var b = await TestServer.StartAsync(settings);
        await using var client = await a.ConnectAsync();
        string[] channels =
        [
            $"{prefix}ctl:{a.Broker.Node.Id}",
            $"{prefix}probe:{a.Broker.Node.Instance}",
            $"{prefix}{{nodes}}:events",
        ];
        foreach (var channel in channels)
        {
            await Waits.UntilAsync(() => SubscribedOnOwnerAsync(cluster, channel), Timeouts.Long);
        }

        // The target told last: the client, sent away by the old owner's SUNSUBSCRIBE, can find the new owner not yet
        // knowing, be sent back with MOVED, and not try again by itself.
        foreach (var channel in channels)
        {
            await cluster.MigrateSlotOfAsync(channel, targetLearnsLast: true);
            await Waits.UntilAsync(() => SubscribedOnOwnerAsync(cluster, channel), Timeouts.Long);
        }

        // Node b's request reaches a on its moved channel (a answers: its connection is listed), and a still hears itself.
        await Waits.UntilAsync(async () =>
        {
            var (status, body) = await b.SendAsync(HttpMethod.Get, "/api/connections/");
            return status == 200 && body.GetProperty("unanswered").GetArrayLength() == 0
                && body.GetProperty("connections").EnumerateArray().Any(c => c.GetProperty("id").GetString()!.EndsWith("." + a.Broker.Node.Id, StringComparison.Ordinal));
        }, Timeouts.Long);
        await Waits.UntilAsync(async () => (await a.SendAsync(HttpMethod.Get, "/health/ready")).Status == 200, Timeouts.Long);
    }

    /// <summary>Whether the master that serves the channel's slot has a subscriber of it (the node: nothing else subscribes).</summary>
    private static async Task<bool> SubscribedOnOwnerAsync(RedisCluster cluster, string channel)
    {
        var owner = await cluster.MasterOfAsync(channel);
        var counts = (await cluster.CliAsync(owner.Port, "PUBSUB", "SHARDNUMSUB", channel)).Split('\n');
        return counts.Length == 2 && counts[1].Trim() != "0";
    }
}
