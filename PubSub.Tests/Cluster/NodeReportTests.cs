using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Cluster;

/// <summary>Node reports in Redis that a node cannot read (another version's, or written by hand) cost only that node.</summary>
public sealed class NodeReportTests
{
    [SkippableFact]
    public async Task A_malformed_report_is_left_out_and_logged_once_and_every_other_node_is_listed()
    {
        RedisServer.SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync();
        var prefix = $"cluster:{Guid.NewGuid():N}:";
        var settings = Cluster.Settings(redis, prefix, new Dictionary<string, string?> { ["PubSub:Cluster:ReportInterval"] = "00:00:00.25" });
        var log = new LogCapture(LogLevel.Warning);

        // A node's entry whose report is not JSON, listed as seen far in the future, so no round ages it out.
        Assert.Equal("1", await redis.CliAsync("ZADD", prefix + "{nodes}:nodes", "99999999999999", "broken"));
        Assert.Equal("1", await redis.CliAsync("HSET", prefix + "{nodes}:reports", "broken", "{not json"));
        await using var a = await TestServer.StartAsync(settings, s => s.AddSingleton<ILoggerProvider>(log));
        await using var b = await TestServer.StartAsync(settings);

        var clock = Stopwatch.StartNew();
        while (true)
        {
            var (status, body) = await a.SendAsync(HttpMethod.Get, "/api/nodes/");
            Assert.Equal(200, status);
            var ids = body.GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()).ToList();
            Assert.DoesNotContain("broken", ids);
            if (ids.Count == 2)
            {
                break; // both real nodes, whatever the broken entry
            }

            Assert.True(clock.Elapsed < Timeouts.Long, $"the nodes were not listed: {body}\n{log}");
            await Task.Delay(100); // reports come on the nodes' own schedule
        }

        // Several more report rounds (b's last report moves on by a second): still one line.
        var first = await LastSeenOfAsync(a, b);
        while (await LastSeenOfAsync(a, b) < first + TimeSpan.FromSeconds(1))
        {
            Assert.True(clock.Elapsed < Timeouts.Long, "the nodes stopped reporting");
            await Task.Delay(100); // reports come on the nodes' own schedule
        }

        Assert.Equal(1, log.Entries.Count(e => e.EventId == 613 && e.Message.Contains("broken", StringComparison.Ordinal)));
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Error);
    }

    private static async Task<DateTimeOffset> LastSeenOfAsync(TestServer asking, TestServer node)
    {
        var nodeId = (await node.SendAsync(HttpMethod.Get, "/health")).Body.GetProperty("node").GetString();
        var (_, body) = await asking.SendAsync(HttpMethod.Get, "/api/nodes/");
        return body.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("id").GetString() == nodeId).GetProperty("last_seen").GetDateTimeOffset();
    }
}
