using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Tenants.Tenancy;

namespace PubSub.Tests.Tenants;

/// <summary>
/// A create checks <c>MaxTopics</c> and <c>MaxTopicsPerKey</c> from counts, not by reading every topic (issue 18): the
/// Redis commands one create costs do not grow with the number of topics. Counted with <c>INFO commandstats</c> on a
/// redis-server of the test's own.
/// </summary>
public sealed class CreateCostTests
{
    [SkippableFact]
    public async Task The_Redis_commands_of_a_create_do_not_depend_on_how_many_topics_exist()
    {
        RedisServer.SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync();
        await using var server = await TestServer.StartAsync(Cluster.Cluster.Settings(redis, "cost:", Keys(
            ("PubSub:Cluster:NodeTimeout", "00:10:00"),
            ("PubSub:Cluster:ReportInterval", "00:05:00"))));

        var few = await LeastOfThreeAsync(server, redis, "few");
        for (var i = 0; i < 2000; i++)
        {
            await server.Broker.CreateTopicAsync($"filler-{i}");
        }

        var many = await LeastOfThreeAsync(server, redis, "many");
        Assert.InRange(few, 1, 16); // two scripts (the registry's slot, the topic's), the commands they run inside, which Redis counts too, and the announcement
        Assert.InRange(many, few - 1, few + 1);
    }

    // The least of three rounds, one after another: the node's own background calls (reports, probes) may fall into one.
    private static async Task<double> LeastOfThreeAsync(TestServer server, RedisServer redis, string batch)
    {
        var least = double.MaxValue;
        for (var round = 0; round < 3; round++)
        {
            least = Math.Min(least, await CommandsPerCreateAsync(server, redis, $"{batch}{round}"));
        }

        return least;
    }

    // Redis commands run during five REST creates by a scoped key, per create (INFO and CONFIG of the test itself left out).
    private static async Task<double> CommandsPerCreateAsync(TestServer server, RedisServer redis, string batch)
    {
        await redis.CliAsync("CONFIG", "RESETSTAT");
        for (var i = 0; i < 5; i++)
        {
            Assert.Equal(201, (await server.SendAsync(HttpMethod.Post, "/topics", $$"""{"name":"a-{{batch}}-{{i}}"}""", Alpha)).Status);
        }

        var stats = await redis.CliAsync("INFO", "commandstats");
        var calls = stats.Split('\n')
            .Where(line => line.StartsWith("cmdstat_", StringComparison.Ordinal) && !line.StartsWith("cmdstat_info:", StringComparison.Ordinal) && !line.StartsWith("cmdstat_config", StringComparison.Ordinal))
            .Sum(line => long.Parse(line.Split("calls=")[1].Split(',')[0], System.Globalization.CultureInfo.InvariantCulture));
        return calls / 5.0;
    }
}
