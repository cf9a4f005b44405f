using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Cluster;

/// <summary>
/// PROTOCOL.md §8, "Redis refusing is not Redis failing": a Redis that is full under <c>noeviction</c> refuses writes;
/// the request is answered UNAVAILABLE saying it was not carried out, the condition is logged once when it begins and
/// once when it ends, and nothing is logged per request (no error, no stack trace).
/// </summary>
public sealed partial class RedisRefusalTests
{
    private const int RefusalBeganEvent = 209;
    private const int RefusalEndedEvent = 210;

    [SkippableFact]
    public async Task A_full_Redis_under_noeviction_gets_not_carried_out_on_every_door_and_is_logged_once_when_it_begins_and_ends()
    {
        RedisServer.SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync(false, "--maxmemory-policy", "noeviction");
        var log = new LogCapture(LogLevel.Debug);
        await using var node = await TestServer.StartAsync(
            Cluster.Settings(redis, $"full:{Guid.NewGuid():N}:", new Dictionary<string, string?> { ["Logging:LogLevel:PubSub"] = "Information" }),
            s => s.AddSingleton<ILoggerProvider>(log));
        await node.CreateTopicAsync("t");
        await using var publisher = await node.ConnectAsync();
        await publisher.PublishAsync("t", new { n = 0 }, requestId: "before");
        await publisher.ExpectAsync("ack");

        // Full: 2 MiB of keys of the test's own, then a limit 256 KiB below what Redis holds.
        const int fillers = 32;
        for (var i = 0; i < fillers; i++)
        {
            await redis.CliAsync("SETRANGE", $"filler:{i}", "65535", "x");
        }

        var used = long.Parse(UsedMemory().Match(await redis.CliAsync("INFO", "memory")).Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.Equal("OK", await redis.CliAsync("CONFIG", "SET", "maxmemory", (used - (256 * 1024)).ToString(CultureInfo.InvariantCulture)));
        Assert.StartsWith("OOM", await redis.CliAsync("SET", "one-more", "x"));

        for (var round = 0; round < 3; round++)
        {
            await publisher.PublishAsync("t", new { round }, requestId: $"ws{round}");
            var error = (await publisher.ExpectAsync("error")).GetProperty("error");
            Assert.Equal("UNAVAILABLE", error.GetProperty("code").GetString());
            Assert.Contains("not carried out", error.GetProperty("message").GetString());
            Assert.Contains("OOM", error.GetProperty("message").GetString());

            var (status, body) = await node.PublishRestAsync("t", new { round });
            Assert.Equal(503, status);
            Assert.Equal("UNAVAILABLE", body.GetProperty("code").GetString());
            Assert.Contains("not carried out", body.GetProperty("error").GetString());

            (status, body) = await node.SendAsync(HttpMethod.Post, "/api/topics/create/", $$"""{"name":"new{{round}}"}""");
            Assert.Equal(503, status);
            Assert.Contains("not carried out", body.GetProperty("error").GetString());
        }

        // Once for the whole condition, not per request; nothing at error level and no exception anywhere.
        Assert.True(log.Count(RefusalBeganEvent) == 1, log.ToString());
        Assert.Equal(0, log.Count(RefusalEndedEvent));

        // Freed: the next request is carried out, and the end of the condition is logged once.
        for (var i = 0; i < fillers; i++)
        {
            await redis.CliAsync("DEL", $"filler:{i}");
        }

        await publisher.PublishAsync("t", new { n = 1 }, requestId: "after");
        Assert.Equal(2, (await publisher.ExpectAsync("ack")).GetProperty("seq").GetInt64());
        Assert.Equal(201, (await node.SendAsync(HttpMethod.Post, "/api/topics/create/", """{"name":"new"}""")).Status);
        Assert.True(log.Count(RefusalEndedEvent) == 1, log.ToString());
        Assert.True(log.Count(RefusalBeganEvent) == 1, log.ToString());
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Error || e.Exception is not null);
    }

    [GeneratedRegex(@"used_memory:(\d+)")]
    private static partial Regex UsedMemory();
}
