using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace PubSub.Core.Engine.Redis;

/// <summary>
/// Checks Redis's eviction policy at start and on every reconnect (PROTOCOL.md §8): a Redis that evicts keys that are
/// not volatile (<c>allkeys-*</c>) would silently delete topics and history when full, so the node refuses it: at start
/// by failing the start (a <see cref="PubSubException"/>, <c>UNAVAILABLE</c>, whose message is one line saying what to
/// change; the server prints it and exits with code 1), later (Redis was unreachable at
/// start, or was replaced) by reporting not ready and logging an error. <c>maxmemory 0</c> with <c>noeviction</c> is
/// warned about: Redis then grows until the kernel kills it.
/// </summary>
/// <remarks>
/// Read with <c>INFO memory</c>, which managed Redis services allow; <c>CONFIG GET</c> only when INFO does not say
/// (many of them disable CONFIG). What cannot be read is logged as a warning and not held against the node.
/// </remarks>
internal sealed partial class RedisPolicyCheck(RedisShards shards, ILogger<RedisPolicyCheck> logger) : IHostedService
{
    private volatile string? _problem;
    private string? _lastWarning;

    /// <summary>Why Redis's policy is refused (the node is then not ready), or null when it is acceptable or unknown.</summary>
    public string? Problem => _problem;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Subscribed before looking, so that a connection made in between is checked by one or the other.
        foreach (var store in shards.All)
        {
            store.Restored += OnRestored;
        }

        if (shards.All.Any(store => store.Connection.IsConnected) && await CheckAsync() is { } refused)
        {
            throw new PubSubException(PubSubErrorCode.Unavailable, refused);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var store in shards.All)
        {
            store.Restored -= OnRestored;
        }

        return Task.CompletedTask;
    }

    private void OnRestored(ConnectionType type)
    {
        if (type == ConnectionType.Interactive)
        {
            _ = CheckLaterAsync();
        }
    }

    private async Task CheckLaterAsync()
    {
        if (await CheckAsync() is { } refused)
        {
            Log.PolicyRefusedLater(logger, refused);
        }
    }

    /// <summary>Reads every reachable primary's policy (of every shard, every cluster node); returns why it is refused, or null.</summary>
    private async Task<string?> CheckAsync()
    {
        string? refused = null;
        string? warning = null;
        foreach (var server in shards.All.SelectMany(store => store.Connection.GetServers()))
        {
            var endpoint = server.EndPoint;
            if (!server.IsConnected || server.IsReplica)
            {
                continue;
            }

            var (policy, maxMemory) = await ReadAsync(server);
            var at = Format(endpoint);
            if (policy is null)
            {
                Log.PolicyUnknown(logger, at);
            }
            else if (policy.StartsWith("allkeys-", StringComparison.OrdinalIgnoreCase))
            {
                refused = $"Redis at {at} has maxmemory-policy {policy}: when full it would silently evict topics and history. Set maxmemory-policy to noeviction (or a volatile-* policy: the broker's keys never expire), e.g. redis-server --maxmemory-policy noeviction or CONFIG SET maxmemory-policy noeviction.";
            }
            else if (maxMemory == 0 && string.Equals(policy, "noeviction", StringComparison.OrdinalIgnoreCase))
            {
                warning = at;
            }
        }

        _problem = refused;
        var warned = Interlocked.Exchange(ref _lastWarning, warning);
        if (warning is not null && !string.Equals(warned, warning, StringComparison.Ordinal))
        {
            Log.NoMaxMemory(logger, warning);
        }

        return refused;
    }

    private async Task<(string? Policy, long? MaxMemory)> ReadAsync(IServer server)
    {
        try
        {
            var info = (await server.InfoAsync("memory")).SelectMany(group => group).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            if (info.TryGetValue("maxmemory_policy", out var policy))
            {
                return (policy, info.TryGetValue("maxmemory", out var max) && long.TryParse(max, out var bytes) ? bytes : null);
            }
        }
        catch (Exception ex) when (ex is RedisException or RedisCommandException or TimeoutException)
        {
            Log.ReadFailed(logger, "INFO memory", ex.Message);
        }

        try
        {
            var config = (await server.ConfigGetAsync("maxmemory*")).ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            return (config.GetValueOrDefault("maxmemory-policy"), config.TryGetValue("maxmemory", out var max) && long.TryParse(max, out var bytes) ? bytes : null);
        }
        catch (Exception ex) when (ex is RedisException or RedisCommandException or TimeoutException)
        {
            Log.ReadFailed(logger, "CONFIG GET", ex.Message);
            return (null, null);
        }
    }

    private static string Format(System.Net.EndPoint endpoint) =>
        endpoint is System.Net.DnsEndPoint dns ? $"{dns.Host}:{dns.Port}" : endpoint.ToString() ?? "?";

    private static partial class Log
    {
        [LoggerMessage(245, LogLevel.Error, "Redis: {Refused} The node is not ready until it is fixed (checked again on every reconnect)")]
        public static partial void PolicyRefusedLater(ILogger logger, string refused);

        [LoggerMessage(246, LogLevel.Warning, "Redis at {Endpoint} has maxmemory 0 (no limit) with maxmemory-policy noeviction: it grows until the kernel kills it, and then loses what it had not persisted. Give it a limit (redis-server --maxmemory 1gb): when full it refuses writes and the nodes answer UNAVAILABLE")]
        public static partial void NoMaxMemory(ILogger logger, string endpoint);

        [LoggerMessage(247, LogLevel.Warning, "Redis at {Endpoint}: could not read maxmemory-policy (neither INFO memory nor CONFIG GET answered it); make sure it is noeviction or volatile-*, never allkeys-*")]
        public static partial void PolicyUnknown(ILogger logger, string endpoint);

        [LoggerMessage(248, LogLevel.Debug, "Redis: {Command} failed while reading the eviction policy: {Error}")]
        public static partial void ReadFailed(ILogger logger, string command, string error);
    }
}
