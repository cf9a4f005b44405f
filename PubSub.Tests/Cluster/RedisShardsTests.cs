using System.Text.Json;
using PubSub.Core.Engine.Redis;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Cluster;

/// <summary>
/// PROTOCOL.md §12 without Redis Cluster: <c>PubSub:Redis:Shards</c> lists two real, independent redis-servers. A topic
/// lives on the shard its name hashes to, the registry and the node reports on the first; every node listens on both.
/// </summary>
public sealed class RedisShardsTests
{
    private static readonly string[] Topics = [.. Enumerable.Range(0, 16).Select(i => $"t{i}")];

    [SkippableFact]
    public async Task Topics_spread_over_the_shards_by_name_and_a_publish_on_one_node_reaches_subscribers_on_the_other()
    {
        RedisServer.SkipUnlessAvailable();
        await using var first = await RedisServer.StartAsync();
        await using var second = await RedisServer.StartAsync();
        var prefix = $"shards:{Guid.NewGuid():N}:";
        await using var a = await TestServer.StartAsync(Settings(prefix, first, second));
        await using var b = await TestServer.StartAsync(Settings(prefix, first, second));
        foreach (var topic in Topics)
        {
            await a.CreateTopicAsync(topic);
        }

        // Each topic's keys are on the shard its name picks, and only there; the registry is on the first.
        Assert.Equal(2, Topics.Select(t => ShardHash.ShardOf(t, 2)).Distinct().Count());
        var shards = new[] { first, second };
        foreach (var topic in Topics)
        {
            var home = ShardHash.ShardOf(topic, 2);
            Assert.Equal("1", await shards[home].CliAsync("EXISTS", $"{prefix}topic:{{{topic}}}"));
            Assert.Equal("0", await shards[1 - home].CliAsync("EXISTS", $"{prefix}topic:{{{topic}}}"));
        }

        Assert.Equal(Topics.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), await first.CliAsync("HLEN", $"{prefix}{{nodes}}:topics"));
        Assert.Equal("0", await second.CliAsync("EXISTS", $"{prefix}{{nodes}}:topics"));

        // Both nodes list every topic, and each node's publishes reach the other's subscribers on both shards.
        Assert.Equal(Topics.Order(StringComparer.Ordinal), await TopicNamesAsync(b));
        await using var subscriber = await b.ConnectAsync();
        foreach (var topic in Topics)
        {
            await subscriber.SubscribeAsync(topic, clientId: topic);
        }

        foreach (var topic in Topics)
        {
            Assert.Equal(201, (await a.PublishRestAsync(topic, new { topic })).Status);
        }

        var delivered = new HashSet<string>();
        while (delivered.Count < Topics.Length)
        {
            var frame = await subscriber.ExpectAsync("event");
            Assert.Equal(1, frame.GetProperty("seq").GetInt64());
            Assert.True(delivered.Add(frame.GetProperty("topic").GetString()!), $"delivered twice: {frame}");
        }

        // The cluster view spans the shards: both nodes are listed (their reports are on the first).
        await Waits.UntilAsync(async () => (await a.SendAsync(HttpMethod.Get, "/api/nodes/")).Body.GetProperty("nodes").GetArrayLength() == 2);
    }

    [SkippableFact]
    public async Task A_shard_that_dies_takes_only_its_own_topics_away_and_they_come_back_with_it()
    {
        RedisServer.SkipUnlessAvailable();
        await using var first = await RedisServer.StartAsync();
        await using var second = await RedisServer.StartAsync(persistent: true);
        var prefix = $"shards:{Guid.NewGuid():N}:";
        var settings = Settings(prefix, first, second);
        foreach (var (key, value) in Cluster.QuickReconnect)
        {
            settings[key] = value;
        }

        settings["PubSub:Redis:LinkProbeInterval"] = "00:00:00.100";
        settings["PubSub:Redis:LinkProbeTimeout"] = "00:00:01";
        await using var a = await TestServer.StartAsync(settings);
        await using var b = await TestServer.StartAsync(settings);
        var onFirst = Topics.First(t => ShardHash.ShardOf(t, 2) == 0);
        var onSecond = Topics.First(t => ShardHash.ShardOf(t, 2) == 1);
        await a.CreateTopicAsync(onFirst);
        await a.CreateTopicAsync(onSecond);
        await using var subscriber = await b.ConnectAsync();
        await subscriber.SubscribeAsync(onFirst, clientId: "first");
        await subscriber.SubscribeAsync(onSecond, clientId: "second");

        await second.KillAsync();

        // The first shard's topic goes on; the second's is unavailable, said so, and nothing else breaks.
        Assert.Equal(201, (await a.PublishRestAsync(onFirst, new { n = 1 })).Status);
        var first1 = await subscriber.ExpectAsync("event");
        Assert.Equal(onFirst, first1.GetProperty("topic").GetString());
        var (status, body) = await a.PublishRestAsync(onSecond, new { n = 1 });
        Assert.Equal(503, status);
        Assert.Equal("UNAVAILABLE", body.GetProperty("code").GetString());
        Assert.Equal([onFirst], await TopicNamesAsync(a));

        // Ready (it serves the first shard's topics), degraded, naming the shard.
        await Waits.UntilAsync(async () => Check(await a.SendAsync(HttpMethod.Get, "/health/ready"), "redis-shards") == "degraded");
        var (readyStatus, ready) = await a.SendAsync(HttpMethod.Get, "/health/ready");
        Assert.Equal(200, readyStatus);
        Assert.Contains("shard 1 of 2", ready.ToString());

        // Back (from its append-only file): its topic publishes again, and the subscriber on the other node gets it.
        await second.RestartAsync();
        await Waits.UntilAsync(async () => (await a.PublishRestAsync(onSecond, new { n = 1 })).Status == 201, Timeouts.Long);
        var back = await subscriber.ExpectAsync("event", Timeouts.Long);
        Assert.Equal(onSecond, back.GetProperty("topic").GetString());
        Assert.Equal(1, back.GetProperty("seq").GetInt64());
        await Waits.UntilAsync(async () => (await TopicNamesAsync(a)).Count == 2); // the node's cached list refreshes within a second
        await Waits.UntilAsync(async () => Check(await a.SendAsync(HttpMethod.Get, "/health/ready"), "redis-shards") == "healthy");
    }

    [Fact]
    public void Shards_and_a_single_configuration_are_not_both_accepted_and_braces_in_the_prefix_are_refused()
    {
        var validator = new RedisEngineOptionsValidator();
        var both = new RedisEngineOptions { Configuration = "localhost:6379", Shards = ["localhost:6380"] };
        Assert.Contains("not both", string.Join(" ", validator.Validate(null, both).Failures!));
        var emptyShard = new RedisEngineOptions { Shards = ["localhost:6379", " "] };
        Assert.Contains("PubSub:Redis:Shards:1", string.Join(" ", validator.Validate(null, emptyShard).Failures!));
        var braces = new RedisEngineOptions { Configuration = "localhost:6379", KeyPrefix = "{app}:" };
        Assert.Contains("one slot", string.Join(" ", validator.Validate(null, braces).Failures!));
        Assert.True(validator.Validate(null, new RedisEngineOptions { Shards = ["localhost:6379", "localhost:6380"] }).Succeeded);
    }

    private static Dictionary<string, string?> Settings(string prefix, params RedisServer[] shards)
    {
        var settings = new Dictionary<string, string?>
        {
            ["PubSub:Redis:KeyPrefix"] = prefix,
            ["PubSub:Cluster:ReportInterval"] = "00:00:00.250",
        };
        for (var i = 0; i < shards.Length; i++)
        {
            settings[$"PubSub:Redis:Shards:{i}"] = shards[i].Configuration;
        }

        return settings;
    }

    private static async Task<List<string>> TopicNamesAsync(TestServer node)
    {
        var (status, body) = await node.SendAsync(HttpMethod.Get, "/topics");
        Assert.Equal(200, status);
        return [.. body.GetProperty("topics").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).Order(StringComparer.Ordinal)];
    }

    private static string? Check((int Status, JsonElement Body) ready, string name) =>
        ready.Body.GetProperty("checks").EnumerateArray().FirstOrDefault(c => c.GetProperty("name").GetString() == name) is { ValueKind: JsonValueKind.Object } check
            ? check.GetProperty("status").GetString()
            : null;
}
