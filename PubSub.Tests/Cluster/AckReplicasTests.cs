using System.Diagnostics;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Cluster;

/// <summary>
/// PROTOCOL.md §8, <c>PubSub:Redis:AckReplicas</c>: a publish is acked once that many replicas hold it (Redis WAIT,
/// bounded by the operation timeout); when they do not in time the publisher gets UNAVAILABLE saying the message is
/// stored on the primary but not yet on the replicas. A real primary and a real replica (<c>--replicaof</c>).
/// </summary>
public sealed class AckReplicasTests
{
    [SkippableFact]
    public async Task A_publish_is_acked_when_the_replica_holds_it_and_UNAVAILABLE_stored_on_the_primary_while_the_replica_is_stopped()
    {
        RedisServer.SkipUnlessAvailable();
        await using var primary = await RedisServer.StartAsync();
        await using var replica = await RedisServer.StartAsync(false, "--replicaof", "127.0.0.1", primary.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await replica.WaitForReplicaLinkAsync();
        var prefix = $"replicas:{Guid.NewGuid():N}:";
        await using var node = await TestServer.StartAsync(Cluster.Settings(primary, prefix, new Dictionary<string, string?>
        {
            ["PubSub:Redis:AckReplicas"] = "1",
            // WAIT is bounded to half of it; the other half is the slack for its reply to be read, which a loaded machine needs.
            ["PubSub:Redis:OperationTimeout"] = "00:00:02",
        }));
        await node.CreateTopicAsync("t");
        await using var subscriber = await node.ConnectAsync();
        await subscriber.SubscribeAsync("t");
        await using var publisher = await node.ConnectAsync();

        // Acked: the replica has it already when the ack arrives.
        await publisher.PublishAsync("t", new { n = 1 }, requestId: "one");
        Assert.Equal(1, (await publisher.ExpectAsync("ack")).GetProperty("seq").GetInt64());
        Assert.Equal("1", await replica.CliAsync("LLEN", prefix + "history:{t}"));

        replica.Pause();
        try
        {
            var clock = Stopwatch.StartNew();
            await publisher.PublishAsync("t", new { n = 2 }, requestId: "two");
            var error = (await publisher.ExpectAsync("error")).GetProperty("error");
            Assert.Equal("UNAVAILABLE", error.GetProperty("code").GetString());
            var message = error.GetProperty("message").GetString()!;
            Assert.True(message.Contains("stored on the Redis primary but not yet on the replicas", StringComparison.Ordinal), message);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"the publish took {clock.Elapsed} to be answered (operation timeout 2 s)");

            var (status, body) = await node.PublishRestAsync("t", new { n = 3 });
            Assert.Equal(503, status);
            Assert.Contains("not yet on the replicas", body.GetProperty("error").GetString());
        }
        finally
        {
            replica.Resume();
        }

        // Stored on the primary all along: delivered like any other, and acked publishes resume once the replica is back.
        await publisher.PublishAsync("t", new { n = 4 }, requestId: "four");
        Assert.Equal(4, (await publisher.ExpectAsync("ack")).GetProperty("seq").GetInt64());
        Assert.Equal([1L, 2L, 3L, 4L], (await subscriber.ReadEventsThroughAsync(4)).EventSeqs());
        Assert.Equal("4", await replica.CliAsync("LLEN", prefix + "history:{t}"));
    }
}
