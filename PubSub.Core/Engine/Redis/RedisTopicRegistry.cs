using System.Text.Json;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace PubSub.Core.Engine.Redis;

/// <summary>
/// The topics themselves: create, delete, read and list, across the registry (on the first shard, in the
/// <c>{nodes}</c> slot) and each topic's own keys (on its shard, in its slot). A Redis Cluster runs no script across
/// two slots, so a create is two scripts (the name reserved in the registry within the quotas, then the topic created)
/// and so is a delete (the topic, then its registry entry); what a failure between the two leaves, a registry entry
/// without a topic, is skipped by lists and given back once older than a create can take (<see cref="_leftoverAgeMs"/>).
/// </summary>
internal sealed partial class RedisTopicRegistry
{
    private readonly RedisShards _shards;
    private readonly RedisStore _home;
    private readonly RedisKeys _keys;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _historyCapacity;
    private readonly long _historyMaxBytes;
    private readonly long _leftoverAgeMs;

    /// <param name="shards">Where the registry and each topic live.</param>
    /// <param name="history">The history bounds stored with each new topic.</param>
    /// <param name="time">The clock of created times.</param>
    /// <param name="logger">The engine's logger.</param>
    public RedisTopicRegistry(RedisShards shards, HistoryOptions history, TimeProvider time, ILogger logger)
    {
        _shards = shards;
        _home = shards.Home;
        _keys = shards.Keys;
        _time = time;
        _logger = logger;
        _historyCapacity = history.Capacity;
        _historyMaxBytes = history.MaxBytes;

        // A registry entry whose topic is missing is a create in progress only while its second step can still run: a
        // call is abandoned after the operation timeout (and a second). Older, it is a leftover of a create or delete
        // whose second step failed, and is given back.
        _leftoverAgeMs = (long)(2 * shards.Options.OperationTimeout + TimeSpan.FromSeconds(2)).TotalMilliseconds;
    }

    public async Task<TopicInfo?> CreateTopicAsync(string name, JsonElement? metadata, TopicQuota? quota = null, CancellationToken cancellationToken = default)
    {
        quota ??= TopicQuota.None;
        var epoch = RedisEngine.NewEpoch();
        var now = _time.GetUtcNow();
        var created = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());
        var meta = metadata is { } m ? m.GetRawText() : "";
        var store = _shards.For(name);

        // Two steps, because the registry and the topic are in different slots (or shards): the name is reserved within
        // the quota, then the topic is created. A failure between them leaves an entry whose topic is missing; it is
        // given back at once when this node can, and otherwise once old enough (ReleaseLeftoverAsync).
        var reserved = await ReserveAsync(name, epoch, quota, cancellationToken);
        if (reserved == 0 && !await ExistsAsync(store, name, cancellationToken) && await ReleaseAsync(name, "", _leftoverAgeMs, announce: false, cancellationToken))
        {
            reserved = await ReserveAsync(name, epoch, quota, cancellationToken); // the name was held by a leftover
        }

        switch (reserved)
        {
            case -1: throw quota.TooManyTopics();
            case -2: throw quota.TooManyForOwner();
            case 0: return null;
        }

        long result;
        try
        {
            result = (long)await store.CallAsync("create", mayHaveRun: true, () => store.Db.ScriptEvaluateAsync(
                store.Script(RedisScripts.Create),
                [_keys.Topic(name), _keys.History(name)],
                [epoch, now.ToUnixTimeMilliseconds(), meta, _historyCapacity, _historyMaxBytes, quota.Owner ?? "", quota.OwnerName ?? ""],
                CommandFlags.NoScriptCache), cancellationToken);
        }
        catch (PubSubException)
        {
            await GiveBackAsync(name, epoch);
            throw;
        }

        if (result == 0)
        {
            await GiveBackAsync(name, epoch); // the topic's keys outlived their registry entry: it exists, unlisted
            return null;
        }

        await AnnounceAsync('c', name);
        return new TopicInfo(name, created, metadata?.Clone(), 0, null, epoch, quota.OwnerName);
    }

    public async Task<bool> DeleteTopicAsync(string name, CancellationToken cancellationToken = default)
    {
        var store = _shards.For(name);
        var life = await store.CallAsync("delete", mayHaveRun: true, () => store.Db.ScriptEvaluateAsync(
            store.Script(RedisScripts.Delete),
            [_keys.Topic(name), _keys.History(name)],
            [_keys.ChannelName(name)],
            CommandFlags.NoScriptCache), cancellationToken);
        if (life.IsNull)
        {
            return false;
        }

        // The topic is gone; its registry entry follows. If Redis fails in between, the entry is a leftover that lists
        // and creates give back once old enough.
        try
        {
            await ReleaseAsync(name, (string)life!, 0, announce: true, cancellationToken);
        }
        catch (PubSubException ex)
        {
            Log.RegistryBehind(_logger, name, ex.Message);
        }

        return true;
    }

    private async Task<long> ReserveAsync(string name, string epoch, TopicQuota quota, CancellationToken cancellationToken) =>
        (long)await _home.CallAsync("create", mayHaveRun: true, () => _home.Db.ScriptEvaluateAsync(
            RedisScripts.Reserve,
            [_keys.Registry, _keys.Owners],
            [name, epoch, quota.Owner ?? "", quota.MaxTopics, quota.MaxPerOwner],
            CommandFlags.NoScriptCache), cancellationToken);

    /// <summary>Removes a registry entry (of that life, or any when ""), only when at least <paramref name="minAgeMs"/> old; true when removed.</summary>
    private async Task<bool> ReleaseAsync(string name, string life, long minAgeMs, bool announce, CancellationToken cancellationToken) =>
        (long)await _home.CallAsync("delete", mayHaveRun: true, () => _home.Db.ScriptEvaluateAsync(
            _home.Script(RedisScripts.Release),
            [_keys.Registry, _keys.Owners],
            [name, life, announce ? _keys.Events : "", minAgeMs],
            CommandFlags.NoScriptCache), cancellationToken) == 1;

    /// <summary>A create that failed after its reservation gives the name back; if that fails too, the entry is a leftover.</summary>
    private async Task GiveBackAsync(string name, string epoch)
    {
        try
        {
            await ReleaseAsync(name, epoch, 0, announce: false, CancellationToken.None);
        }
        catch (PubSubException ex)
        {
            Log.RegistryBehind(_logger, name, ex.Message);
        }
    }

    private Task<bool> ExistsAsync(RedisStore store, string name, CancellationToken cancellationToken) =>
        store.CallAsync("read", mayHaveRun: false, () => store.Db.KeyExistsAsync(_keys.Topic(name)), cancellationToken);

    /// <summary>Tells every node's topic list that a topic was created ("c") or deleted ("d"); a lost notice only delays a list's refresh.</summary>
    private async Task AnnounceAsync(char change, string name)
    {
        try
        {
            await _home.CallAsync("announce", mayHaveRun: true, () => _home.Bus.PublishAsync(_home.Channel(_keys.Events), change + name), CancellationToken.None);
        }
        catch (PubSubException)
        {
            // Logged by the store; the topic is created.
        }
    }

    public async Task<TopicInfo?> GetTopicAsync(string name, CancellationToken cancellationToken = default)
    {
        var store = _shards.For(name);
        var fields = await store.CallAsync("read", mayHaveRun: false, () => store.Db.HashGetAsync(_keys.Topic(name), TopicFields), cancellationToken);
        return ToTopicInfo(name, fields);
    }

    public async Task<IReadOnlyList<TopicInfo>> ListTopicsAsync(CancellationToken cancellationToken = default)
    {
        var names = await _home.CallAsync("read", mayHaveRun: false, () => _home.Db.HashKeysAsync(_keys.Registry), cancellationToken);
        var sorted = names.Select(n => n.ToString()).Order(StringComparer.Ordinal).ToList();

        // One round trip per shard: each shard's reads go out as one batch (on a Redis Cluster the client splits it by slot).
        var reads = new Task<RedisValue[]>[sorted.Count];
        var away = new HashSet<int>();
        foreach (var shard in sorted.Select((name, i) => (Name: name, Index: i)).GroupBy(t => _shards.For(t.Name)))
        {
            var store = shard.Key;
            try
            {
                await store.CallAsync("read", mayHaveRun: false, async () =>
                {
                    var batch = store.Db.CreateBatch();
                    foreach (var (name, i) in shard)
                    {
                        reads[i] = batch.HashGetAsync(_keys.Topic(name), TopicFields);
                    }

                    batch.Execute();
                    await Task.WhenAll(shard.Select(t => reads[t.Index]));
                    return true;
                }, cancellationToken);
            }
            catch (PubSubException) when (!ReferenceEquals(store, _home))
            {
                // A shard that is away (logged by its store) leaves its topics out of the list, not the others'.
                away.UnionWith(shard.Select(t => t.Index));
            }
        }

        var list = new List<TopicInfo>(sorted.Count);
        for (var i = 0; i < sorted.Count; i++)
        {
            if (away.Contains(i))
            {
                continue;
            }

            if (ToTopicInfo(sorted[i], reads[i].Result) is { } info)
            {
                list.Add(info);
            }
            else
            {
                // Deleted between the two reads, being created, or a leftover of a create or delete cut short: given
                // back once old enough to be sure it is a leftover.
                _ = ReleaseLeftoverAsync(sorted[i]);
            }
        }

        return list;
    }

    private async Task ReleaseLeftoverAsync(string name)
    {
        try
        {
            if (await ReleaseAsync(name, "", _leftoverAgeMs, announce: false, CancellationToken.None))
            {
                Log.LeftoverReleased(_logger, name);
            }
        }
        catch (PubSubException)
        {
            // The next list tries again.
        }
    }

    private static readonly RedisValue[] TopicFields = ["epoch", "created", "meta", "seq", "last", "owner_name"];

    private static TopicInfo? ToTopicInfo(string name, RedisValue[] fields)
    {
        if (fields[0].IsNull)
        {
            return null;
        }

        JsonElement? metadata = null;
        if (!fields[2].IsNullOrEmpty)
        {
            using var doc = JsonDocument.Parse((byte[])fields[2]!);
            metadata = doc.RootElement.Clone();
        }

        return new TopicInfo(
            name,
            DateTimeOffset.FromUnixTimeMilliseconds((long)fields[1]),
            metadata,
            (long)fields[3],
            fields[4].IsNull ? null : DateTimeOffset.FromUnixTimeMilliseconds((long)fields[4]),
            (string)fields[0]!,
            fields[5].IsNullOrEmpty ? null : (string)fields[5]!);
    }

    private static partial class Log
    {
        [LoggerMessage(213, LogLevel.Warning, "Redis engine: topic {Topic} is deleted, but its entry in the registry could not be removed ({Why}); lists skip it, and it is given back once old enough")]
        public static partial void RegistryBehind(ILogger logger, string topic, string why);

        [LoggerMessage(214, LogLevel.Information, "Redis engine: gave back the registry entry of topic {Topic}, left by a create or delete that did not finish")]
        public static partial void LeftoverReleased(ILogger logger, string topic);
    }
}
