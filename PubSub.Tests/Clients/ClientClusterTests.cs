using System.Diagnostics;
using System.Globalization;
using PubSub.Client;
using PubSub.Tests.Cluster;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Clients;

/// <summary>PubSub.Client through node and Redis failures (PROTOCOL.md §8, §11): real server processes, a real redis-server.</summary>
public sealed class ClientClusterTests
{
    [SkippableFact]
    public async Task A_subscriber_whose_node_is_killed_sees_every_seq_once_in_order_while_publishes_go_on_through_the_other()
    {
        RedisServer.SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync();
        var prefix = $"client:{Guid.NewGuid():N}:";
        var (a, aUrl) = await StartNodeAsync(redis, prefix);
        await using var closeA = a;
        var (b, bUrl) = await StartNodeAsync(redis, prefix);
        await using var closeB = b;
        using (var rest = new PubSubRestClient(ClientTesting.Options([bUrl])))
        {
            await rest.CreateTopicAsync("orders").Within();
        }

        var subscriber = ClientTesting.Client([aUrl, bUrl]);
        await using var subscriberDisposal = subscriber.DisposeWithin();
        var publisher = ClientTesting.Client([bUrl]);
        await using var publisherDisposal = publisher.DisposeWithin();
        var subscription = await subscriber.SubscribeAsync("orders").Within();
        await using var subscriptionDisposal = subscription.DisposeWithin();
        Assert.Equal(aUrl.Authority, subscriber.ConnectedTo!.Authority);
        var items = subscription.GetAsyncEnumerator(); // not disposed: see ClientTesting.NextAsync

        const int Total = 300;
        var publishing = Task.Run(async () =>
        {
            for (var n = 1; n <= Total; n++)
            {
                Assert.Equal(n, (await publisher.PublishAsync("orders", new { n })).Seq);
            }
        });

        var read = await items.ReadThroughAsync(50);
        using (var kill = Process.Start("kill", ["-KILL", a.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync().Within();
        }

        read.AddRange(await items.ReadThroughAsync(Total, Timeouts.Long));
        await publishing.Within(Timeouts.Long);

        Assert.Equal(Enumerable.Range(1, Total).Select(n => (long)n), read.Seqs()); // each once, in order, no notice
        Assert.Equal(Enumerable.Range(1, Total), read.OfType<PubSubMessage>().Select(m => m.Payload.GetProperty("n").GetInt32()));
        Assert.Equal(bUrl.Authority, subscriber.ConnectedTo!.Authority);
        Assert.True(a.HasExited);
    }

    [SkippableFact]
    public async Task Redis_restarted_from_an_older_snapshot_is_a_reset_in_the_stream_and_then_the_new_messages()
    {
        RedisServer.SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync(); // no append-only file: a restart loads the last SAVE
        var nodes = await Cluster.Cluster.StartReadyAsync(redis, 1, Cluster.Cluster.QuickReconnect); // ready first: the first fault is the test's own
        try
        {
            var node = nodes[0];
            await node.CreateTopicAsync("t");
            var client = ClientTesting.Client([node.BaseAddress]);
            await using var clientDisposal = client.DisposeWithin();
            var subscription = await client.SubscribeAsync("t").Within();
            await using var subscriptionDisposal = subscription.DisposeWithin();
            var oldEpoch = subscription.Position.Epoch;
            var items = subscription.GetAsyncEnumerator(); // not disposed: see ClientTesting.NextAsync
            for (var i = 1; i <= 8; i++)
            {
                Assert.Equal(201, (await node.PublishRestAsync("t", new { before = i })).Status);
                if (i == 5)
                {
                    Assert.Equal("OK", await redis.CliAsync("SAVE"));
                }
            }

            Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], (await items.ReadThroughAsync(8)).Seqs());
            await redis.KillAsync();
            await redis.RestartAsync(); // holds the topic at seq 5: 6, 7 and 8 were acked and are gone

            // Published through the client, which retries UNAVAILABLE with the same key while the node reconnects.
            var after = new List<PublishResult>();
            for (var i = 1; i <= 3; i++)
            {
                after.Add(await client.PublishAsync("t", new { after = i }).Within(Timeouts.Long));
            }

            var read = await items.ReadThroughAsync(after[^1].Seq);
            var reset = Assert.IsType<ResetNotice>(read[0]);
            Assert.NotEqual(oldEpoch, reset.Epoch);
            var messages = read.Skip(1).Cast<PubSubMessage>().ToList();
            Assert.Equal(after.Select(a => a.Seq), messages.Select(m => m.Seq));
            Assert.All(messages, m => Assert.Equal(reset.Epoch, m.Epoch));
            Assert.Equal([1, 2, 3], messages.Select(m => m.Payload.GetProperty("after").GetInt32()));
            Assert.True(messages[0].Seq > reset.Seq);
        }
        finally
        {
            await Cluster.Cluster.StopAsync(nodes);
        }
    }

    /// <summary>A node as its own process (so that it can be killed with SIGKILL) on the Redis engine; returns it and its address.</summary>
    private static async Task<(ServerProcess Node, Uri Url)> StartNodeAsync(RedisServer redis, string prefix)
    {
        var url = new Uri($"http://127.0.0.1:{ServerProcess.FreePort()}");
        var node = ServerProcess.StartServer(["--urls", url.ToString()], new Dictionary<string, string>
        {
            ["PubSub__Redis__Configuration"] = redis.Configuration,
            ["PubSub__Redis__KeyPrefix"] = prefix,
            ["PubSub__History__Capacity"] = "1000",
            ["Logging__LogLevel__Default"] = "Warning",
        });
        await node.WaitUntilHealthyAsync(url, "/health/ready");
        return (node, url);
    }
}
