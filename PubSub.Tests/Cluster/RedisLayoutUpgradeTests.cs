using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Cluster;

/// <summary>
/// An upgrade from the key layout before Redis Cluster support (registry <c>{prefix}topics</c>, keys without hash tags)
/// keeps every topic with its epoch, seq and history: a real redis-server holding the old layout, a real node starting on it.
/// </summary>
public sealed class RedisLayoutUpgradeTests
{
    [SkippableFact]
    public async Task A_node_started_on_the_old_layout_moves_it_and_every_topic_goes_on_where_it_was()
    {
        RedisServer.SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync();
        var prefix = $"upgrade:{Guid.NewGuid():N}:";
        string epoch;
        await using (var before = await TestServer.StartAsync(Cluster.Settings(redis, prefix)))
        {
            await before.CreateTopicAsync("orders");
            for (var n = 1; n <= 3; n++)
            {
                Assert.Equal(201, (await before.PublishRestAsync("orders", new { n })).Status);
            }

            epoch = (await before.Broker.GetTopicAsync("orders").AsTask().Within())!.Epoch;
        }

        // The keys as the version before wrote them: the same values, under names without hash tags, one old registry.
        Assert.Equal("OK", await redis.CliAsync("RENAME", $"{prefix}topic:{{orders}}", $"{prefix}topic:orders"));
        Assert.Equal("OK", await redis.CliAsync("RENAME", $"{prefix}history:{{orders}}", $"{prefix}history:orders"));
        Assert.Equal("1", await redis.CliAsync("DEL", $"{prefix}{{nodes}}:topics"));
        Assert.Equal("1", await redis.CliAsync("HSET", $"{prefix}topics", "orders", epoch));

        await using var after = await TestServer.StartAsync(Cluster.Settings(redis, prefix));
        Assert.Equal("0", await redis.CliAsync("EXISTS", $"{prefix}topics", $"{prefix}topic:orders", $"{prefix}history:orders"));
        var (status, topics) = await after.SendAsync(HttpMethod.Get, "/topics");
        Assert.Equal(200, status);
        Assert.Equal("orders", topics.GetProperty("topics")[0].GetProperty("name").GetString());
        var (_, page) = await after.SendAsync(HttpMethod.Get, "/api/topics/orders/messages/");
        Assert.Equal(3, page.GetProperty("messages").GetArrayLength());

        var (published, ack) = await after.PublishRestAsync("orders", new { n = 4 });
        Assert.Equal(201, published);
        Assert.Equal(4, ack.GetProperty("seq").GetInt64());
        Assert.Equal(epoch, (await after.Broker.GetTopicAsync("orders").AsTask().Within())!.Epoch);

        // Its registry entry is today's: a delete removes it, and the name can be created again.
        Assert.Equal(200, (await after.SendAsync(HttpMethod.Delete, "/api/topics/orders/")).Status);
        Assert.Equal("0", await redis.CliAsync("HLEN", $"{prefix}{{nodes}}:topics"));
        await after.CreateTopicAsync("orders");
    }
}
