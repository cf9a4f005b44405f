using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Cluster;

/// <summary>Real servers (Kestrel, real sockets) on one real Redis (a redis-server or a Redis Cluster): the nodes of one broker (PROTOCOL.md §8, §12).</summary>
internal static class Cluster
{
    /// <summary>
    /// Redis timeouts short enough for a test that hangs Redis (SIGSTOP, a wedged link) to see it away within a second.
    /// Every call of such a test is bound by 0.5 s, the ones before the fault too: on a loaded machine (a full suite on
    /// 2 cores) a healthy Redis can take longer to answer, so a test that only kills Redis uses <see cref="QuickReconnect"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> FastTimeouts { get; } = new Dictionary<string, string?>
    {
        ["PubSub:Redis:OperationTimeout"] = "00:00:00.500",
        ["PubSub:Redis:ConnectTimeout"] = "00:00:00.500",
    };

    /// <summary>
    /// Quick to reconnect after Redis was killed or moved, with the default operation timeout: a killed Redis closes its
    /// connections, so calls fail at once without waiting for a timeout, and nothing else makes a loaded machine's calls
    /// fail.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> QuickReconnect { get; } = new Dictionary<string, string?>
    {
        ["PubSub:Redis:ConnectTimeout"] = "00:00:00.500",
    };

    /// <summary>Every node's <c>PubSub:History:Capacity</c>: what a topic's history holds at most.</summary>
    public const int HistoryCapacity = 1000;

    public static Dictionary<string, string?> Settings(RedisServer redis, string prefix, IEnumerable<KeyValuePair<string, string?>>? extra = null) =>
        Settings(redis.Configuration, prefix, extra);

    /// <summary>
    /// The nodes' settings: <paramref name="configuration"/> is their <c>PubSub:Redis:Configuration</c> (a redis-server's,
    /// or a Redis Cluster's), <paramref name="prefix"/> their key prefix, and <paramref name="extra"/> is added on top.
    /// </summary>
    public static Dictionary<string, string?> Settings(string configuration, string prefix, IEnumerable<KeyValuePair<string, string?>>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["PubSub:Redis:Configuration"] = configuration,
            ["PubSub:Redis:KeyPrefix"] = prefix,
            ["PubSub:History:Capacity"] = HistoryCapacity.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        return settings;
    }

    public static Task<TestServer[]> StartAsync(RedisServer redis, int nodes, IEnumerable<KeyValuePair<string, string?>>? extra = null, ErrorLog? errors = null) =>
        StartAsync(redis.Configuration, nodes, extra, errors);

    /// <summary>
    /// Starts <paramref name="nodes"/> nodes of one broker on the Redis <paramref name="configuration"/> names, with the key
    /// <paramref name="prefix"/> (by default one of their own).
    /// </summary>
    public static async Task<TestServer[]> StartAsync(string configuration, int nodes, IEnumerable<KeyValuePair<string, string?>>? extra = null, ErrorLog? errors = null, string? prefix = null)
    {
        prefix ??= $"cluster:{Guid.NewGuid():N}:";
        var servers = new TestServer[nodes];
        for (var i = 0; i < nodes; i++)
        {
            servers[i] = await TestServer.StartAsync(Settings(configuration, prefix, extra), errors is null ? null : s => s.AddSingleton<ILoggerProvider>(errors));
        }

        return servers;
    }

    /// <summary>
    /// <see cref="StartAsync(string, int, IEnumerable{KeyValuePair{string, string}}?, ErrorLog?, string?)"/>, then waits
    /// (bounded) until every node is ready: a node starts without Redis and connects in the background, and with
    /// <see cref="QuickReconnect"/>'s short connect timeout a loaded machine can need more than one attempt (seen: a
    /// subscribe right after the start answered UNAVAILABLE, UnableToResolvePhysicalConnection). For tests whose first
    /// fault is their own.
    /// </summary>
    public static async Task<TestServer[]> StartReadyAsync(string configuration, int nodes, IEnumerable<KeyValuePair<string, string?>>? extra = null, string? prefix = null)
    {
        var servers = await StartAsync(configuration, nodes, extra, prefix: prefix);
        try
        {
            foreach (var server in servers)
            {
                await Waits.UntilAsync(async () => (await server.SendAsync(HttpMethod.Get, "/health/ready")).Status == 200, Timeouts.Long);
            }
        }
        catch
        {
            await StopAsync(servers);
            throw;
        }

        return servers;
    }

    public static Task<TestServer[]> StartReadyAsync(RedisServer redis, int nodes, IEnumerable<KeyValuePair<string, string?>>? extra = null) =>
        StartReadyAsync(redis.Configuration, nodes, extra);

    /// <summary>Disposes every server in turn (each bounded), even when one of them failed to stop.</summary>
    public static Task StopAsync(IEnumerable<TestServer> servers) => Cleanup.DisposeAllAsync(servers);

    /// <summary>Publishes over REST; returns the status and body.</summary>
    public static Task<(int Status, JsonElement Body)> PublishRestAsync(this TestServer server, string topic, object payload) =>
        server.SendAsync(HttpMethod.Post, $"/api/topics/{topic}/messages/", JsonSerializer.Serialize(new { payload }));

    /// <summary>Reads events until one with seq <paramref name="seq"/> arrives; returns every frame read, events and others.</summary>
    public static Task<List<JsonElement>> ReadEventsThroughAsync(this WsClient client, long seq, TimeSpan? timeout = null) =>
        client.ReadFramesUntilAsync(f => f.GetProperty("type").GetString() == "event" && f.GetProperty("seq").GetInt64() >= seq, $"seq {seq}", timeout);

    /// <summary>Reads frames until one matches <paramref name="last"/> (<paramref name="what"/> names it in the failure); returns every frame read.</summary>
    public static async Task<List<JsonElement>> ReadFramesUntilAsync(this WsClient client, Func<JsonElement, bool> last, string what, TimeSpan? timeout = null)
    {
        var frames = new List<JsonElement>();
        var limit = timeout ?? Timeouts.Long;
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var left = limit - clock.Elapsed;
            var frame = left > TimeSpan.Zero ? await client.TryReceiveAsync(left) : null;
            if (frame is null)
            {
                throw new Xunit.Sdk.XunitException($"{what} did not arrive within {limit}; last frames read: {string.Join(" ", frames.TakeLast(5))}");
            }

            frames.Add(frame.Value);
            if (last(frame.Value))
            {
                return frames;
            }
        }
    }

    public static List<long> EventSeqs(this IEnumerable<JsonElement> frames) =>
        frames.Where(f => f.GetProperty("type").GetString() == "event").Select(f => f.GetProperty("seq").GetInt64()).ToList();
}
