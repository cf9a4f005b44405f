using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Hosting;

/// <summary>
/// PROTOCOL.md §8: a Redis whose eviction policy would silently delete topics and history (<c>allkeys-*</c>) is refused
/// at start in one line with exit code 1; one reached only after start makes the node not ready with an error logged;
/// <c>maxmemory 0</c> with <c>noeviction</c> is warned about. The real built server as a child process.
/// </summary>
public sealed class RedisPolicyStartupTests
{
    [SkippableFact]
    public async Task A_Redis_that_evicts_any_key_is_refused_at_start_in_one_line_with_exit_code_1()
    {
        RedisServer.SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync(false, "--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru");

        var line = await StartupErrorTests.FailingStartAsync(["--urls", $"http://127.0.0.1:{ServerProcess.FreePort()}"], Environment(redis.Port));

        Assert.Contains($"127.0.0.1:{redis.Port}", line, StringComparison.Ordinal);
        Assert.Contains("maxmemory-policy allkeys-lru", line, StringComparison.Ordinal);
        Assert.Contains("noeviction", line, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_Redis_without_a_memory_limit_under_noeviction_is_warned_about_and_served()
    {
        RedisServer.SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync(false, "--maxmemory", "0", "--maxmemory-policy", "noeviction");
        var url = new Uri($"http://127.0.0.1:{ServerProcess.FreePort()}");
        await using var server = ServerProcess.StartServer(["--urls", url.ToString()], Environment(redis.Port));
        await server.WaitUntilHealthyAsync(url);

        Assert.Equal(200, (await ReadyAsync(url)).Status);

        // The child's output is read asynchronously: a line logged before the node was ready can still be on its way.
        const string Warning = @"warn: PubSub\.Core\.Engine\.Redis\.RedisPolicyCheck\[246\]";
        await Waits.UntilAsync(() => Regex.IsMatch(server.Stdout, Warning));
        Assert.Single(Regex.Matches(server.Stdout, Warning));
        Assert.Contains("maxmemory 0 (no limit) with maxmemory-policy noeviction", server.Stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_node_started_before_its_Redis_checks_the_policy_on_first_connect_and_is_not_ready_on_allkeys()
    {
        RedisServer.SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync(false, "--maxmemory", "64mb", "--maxmemory-policy", "allkeys-random");
        await redis.KillAsync();
        var url = new Uri($"http://127.0.0.1:{ServerProcess.FreePort()}");
        var environment = Environment(redis.Port);
        environment["PubSub__Redis__ConnectTimeout"] = "00:00:00.500";
        await using var server = ServerProcess.StartServer(["--urls", url.ToString()], environment);
        await server.WaitUntilHealthyAsync(url, "/health/live"); // started as today, without Redis

        await redis.RestartAsync();
        var clock = Stopwatch.StartNew();
        JsonElement policy;
        while (true)
        {
            var (_, body) = await ReadyAsync(url);
            policy = body.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "redis-policy");
            if (policy.GetProperty("status").GetString() == "unhealthy")
            {
                break;
            }

            Assert.True(clock.Elapsed < Timeouts.Long, $"the policy was not checked after Redis came up: {body}\n{server.Stdout}");
            await Task.Delay(100); // the client connects on its own schedule: nothing to wait on but the outcome
        }

        Assert.Equal(503, (await ReadyAsync(url)).Status);
        Assert.Contains("maxmemory-policy allkeys-random", policy.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.False(server.HasExited);
        // Read asynchronously from the child, like the warning above: the error line can still be on its way when the
        // readiness check already reports what it says.
        const string Error = @"fail: PubSub\.Core\.Engine\.Redis\.RedisPolicyCheck\[245\]";
        await Waits.UntilAsync(() => Regex.IsMatch(server.Stdout, Error));
        Assert.Single(Regex.Matches(server.Stdout, Error));
        Assert.DoesNotMatch(@"(?m)^\s+at \S", server.Stdout + server.Stderr); // no stack trace
    }

    private static Dictionary<string, string> Environment(int redisPort) => new()
    {
        ["PubSub__Redis__Configuration"] = $"127.0.0.1:{redisPort}",
        ["PubSub__Redis__KeyPrefix"] = $"policy:{Guid.NewGuid():N}:",
    };

    private static async Task<(int Status, JsonElement Body)> ReadyAsync(Uri url)
    {
        using var http = new HttpClient { BaseAddress = url, Timeout = Timeouts.Short };
        using var response = await http.GetAsync("/health/ready").Within();
        return ((int)response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync().Within()).RootElement.Clone());
    }
}
