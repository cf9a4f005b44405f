using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace PubSub.Core.Engine.Redis;

/// <summary>
/// Moves a broker's keys from the layout before Redis Cluster support (one registry <c>{prefix}topics</c>, topic keys
/// without hash tags: <c>{prefix}topic:orders</c>) to today's (<see cref="RedisKeys"/>), so that an upgrade keeps every
/// topic with its epoch, seq, history and owner. Runs at start, before the node serves, and again when Redis is first
/// reached after a start without it; one script, so other nodes starting at the same moment see the old layout or the
/// new one, never half of each.
/// </summary>
/// <remarks>
/// Only on one standalone Redis: the old layout never ran on a Redis Cluster (its scripts spanned slots) nor on shards.
/// Nodes of the old version must be stopped before nodes of this one start: an old node still running would go on
/// writing the old layout. Idempotency keys of the old layout are left to expire (a repeat within the window of a
/// publish made before the upgrade is published again), and node reports are written anew by every node.
/// </remarks>
internal sealed partial class RedisLayoutUpgrade(RedisShards shards, ILogger<RedisLayoutUpgrade> logger) : IHostedService
{
    /// <summary>
    /// ARGV[1] the prefix. Renames each registered topic's hash and history into its hash tag, registers it in the new
    /// registry ("{life}\n{now}\n{owner}", life as <see cref="RedisScripts.Delete"/> returns it), moves the owners' counts,
    /// and deletes the old registry. Returns how many topics moved (0 when there is no old layout).
    /// </summary>
    private const string Upgrade = """
        local p = ARGV[1]
        local old = p .. 'topics'
        if redis.call('TYPE', old).ok ~= 'hash' then
          return 0
        end
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local moved = 0
        for _, name in ipairs(redis.call('HKEYS', old)) do
          local topic = p .. 'topic:' .. name
          if redis.call('EXISTS', topic) == 1 then
            local target = p .. 'topic:{' .. name .. '}'
            redis.call('RENAME', topic, target)
            if redis.call('EXISTS', p .. 'history:' .. name) == 1 then
              redis.call('RENAME', p .. 'history:' .. name, p .. 'history:{' .. name .. '}')
            end
            local f = redis.call('HMGET', target, 'life', 'created', 'owner')
            redis.call('HSET', p .. '{nodes}:topics', name, (f[1] or f[2]) .. '\n' .. now .. '\n' .. (f[3] or ''))
            moved = moved + 1
          end
        end
        if redis.call('EXISTS', p .. 'owners') == 1 then
          redis.call('RENAME', p .. 'owners', p .. '{nodes}:owners')
        end
        redis.call('DEL', old)
        return moved
        """;

    private int _done;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        shards.Home.Restored += OnRestored;
        if (shards.Home.Connection.IsConnected)
        {
            await RunAsync();
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        shards.Home.Restored -= OnRestored;
        return Task.CompletedTask;
    }

    private void OnRestored(ConnectionType type)
    {
        if (type == ConnectionType.Interactive)
        {
            _ = RunAsync();
        }
    }

    private async Task RunAsync()
    {
        var store = shards.Home;
        if (Volatile.Read(ref _done) == 1 || shards.All.Count > 1 || store.IsCluster)
        {
            return;
        }

        try
        {
            var moved = (long)await store.CallAsync("upgrade", mayHaveRun: true, () => store.Db.ScriptEvaluateAsync(Upgrade, values: [store.Keys.Prefix], flags: CommandFlags.NoScriptCache), CancellationToken.None);
            Volatile.Write(ref _done, 1);
            if (moved > 0)
            {
                Log.Upgraded(logger, moved, store.Keys.Prefix);
            }
        }
        catch (PubSubException ex)
        {
            Log.UpgradeFailed(logger, store.Keys.Prefix, ex.Message); // tried again when Redis is reached again
        }
    }

    private static partial class Log
    {
        [LoggerMessage(218, LogLevel.Warning, "Redis: moved {Topics} topics under prefix {Prefix} from the layout before Redis Cluster support to today's (one hash tag per topic); stop every node of the older version, which would go on writing the old layout")]
        public static partial void Upgraded(ILogger logger, long topics, string prefix);

        [LoggerMessage(219, LogLevel.Error, "Redis: could not check for keys of the layout before Redis Cluster support under prefix {Prefix} ({Why}); tried again on the next reconnect. Until then topics of an older version are not seen")]
        public static partial void UpgradeFailed(ILogger logger, string prefix, string why);
    }
}
