using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace PubSub.Core.Engine.Redis;

/// <summary>
/// The scale-out engine: topics, seq, history and counts live in Redis (one, a Redis Cluster, or standalone shards:
/// <see cref="RedisShards"/>) and every node with the same Redis and key prefix is one broker. Each change of a topic is
/// one Lua script (<see cref="RedisScripts"/>) on the topic's slot; publications travel between nodes over Redis
/// pub/sub, one channel per topic (sharded on a Redis Cluster), which this node subscribes only while it has
/// subscribers of the topic (<see cref="RedisTopicChannels"/>); its own publications come back through Redis like
/// everyone else's, so that seq N never overtakes a remote N - 1. Creating, deleting and listing topics is
/// <see cref="RedisTopicRegistry"/>'s; this class publishes, reads history and moves epochs.
/// </summary>
/// <remarks>
/// <para>Redis pub/sub is at-most-once: what it loses (a connection drop, a node restart) the fan-out repairs from
/// history, and after the subscription connection is restored the engine asks for a resync of every topic
/// (<see cref="ILocalFanout.Resync"/>). Calls go through <see cref="RedisStore"/>, which bounds them in time and
/// maps failures and refusals to <see cref="PubSubErrorCode.Unavailable"/>.</para>
/// <para><b>A store that went back.</b> The engine remembers the highest seq it has seen of each topic life
/// (<see cref="SeenMark"/>) and hands it to the publish script, which moves the topic to a new epoch when Redis holds
/// less (restart from an older snapshot, failover to a replica that lagged); the fan-out notices the other cases
/// (a delivered seq given to another message) and calls <see cref="ResetEpochAsync"/>.</para>
/// </remarks>
internal sealed partial class RedisEngine : IPubSubEngine, ITopicEvents, IDisposable
{
    private readonly ILocalFanout _fanout;
    private readonly RedisShards _shards;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisEngine> _logger;
    private readonly RedisKeys _keys;
    private readonly RedisTopicRegistry _registry;
    private readonly RedisTopicChannels _channels;
    private readonly int _historyCapacity;
    private readonly long _historyMaxBytes;
    private readonly long _idempotencyWindowMs;
    private readonly ConcurrentDictionary<string, SeenMark> _marks = new(StringComparer.Ordinal);
    private readonly OrderedScript[] _publish;
    private readonly List<Action> _unhook = [];

    public RedisEngine(ILocalFanout fanout, RedisShards shards, IOptions<PubSubOptions> options, TimeProvider time, ILogger<RedisEngine> logger)
    {
        _fanout = fanout;
        _shards = shards;
        _time = time;
        _logger = logger;
        _keys = shards.Keys;
        _historyCapacity = options.Value.History.Capacity;
        _historyMaxBytes = options.Value.History.MaxBytes;
        _idempotencyWindowMs = (long)options.Value.Publish.IdempotencyWindow.TotalMilliseconds;
        _registry = new RedisTopicRegistry(shards, options.Value.History, time, logger);
        _channels = new RedisTopicChannels(shards, fanout, OnNotice, time, logger);

        // One ordered publish per shard (the order that matters is one topic's, and a topic is on one shard), each with
        // the scripts as they run on a standalone Redis and on a Redis Cluster.
        _publish = [.. shards.All.Select(_ => new OrderedScript(
            RedisScripts.Compact(RedisScripts.Publish),
            RedisScripts.Compact(RedisScripts.PublishKeyed),
            RedisScripts.Compact(RedisScripts.Sharded(RedisScripts.Publish)),
            RedisScripts.Compact(RedisScripts.Sharded(RedisScripts.PublishKeyed))))];
        foreach (var store in shards.All)
        {
            Action<ConnectionType> restored = type => OnConnectionRestored(store, type);
            store.Restored += restored;
            _unhook.Add(() => store.Restored -= restored);
        }

        // Topics created and deleted through other nodes (their lists), kept subscribed like the topic channels.
        _channels.Keep(new KeptChannel(shards.Home, _keys.Events, (_, message) => OnTopicEvent(message)));
    }

    public event Action<string, bool>? TopicChanged;

    // ---- topics (RedisTopicRegistry) ----

    public async ValueTask<TopicInfo?> CreateTopicAsync(string name, JsonElement? metadata, TopicQuota? quota = null, CancellationToken cancellationToken = default) =>
        await _registry.CreateTopicAsync(name, metadata, quota, cancellationToken);

    public async ValueTask<bool> DeleteTopicAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return await _registry.DeleteTopicAsync(name, cancellationToken);
        }
        finally
        {
            _marks.TryRemove(name, out _);
        }
    }

    public async ValueTask<TopicInfo?> GetTopicAsync(string name, CancellationToken cancellationToken = default) =>
        await _registry.GetTopicAsync(name, cancellationToken);

    public async ValueTask<IReadOnlyList<TopicInfo>> ListTopicsAsync(CancellationToken cancellationToken = default) =>
        await _registry.ListTopicsAsync(cancellationToken);

    // ---- node interest (RedisTopicChannels) ----

    public ValueTask WatchAsync(string topic, CancellationToken cancellationToken = default) => _channels.WatchAsync(topic, cancellationToken);

    public void Unwatch(string topic) => _channels.Unwatch(topic);

    /// <summary>What a topic's channel carried, in order: a message (its seq noted), a reset, or the deletion of its life.</summary>
    private void OnNotice(string topic, ChannelNotice notice)
    {
        if (notice.Message is { } published)
        {
            Note(published.Topic, published.Epoch, published.Seq);
            _fanout.Deliver(published);
        }
        else if (notice.Reset is { } reset)
        {
            _fanout.TopicReset(reset);
        }
        else
        {
            _marks.TryRemove(topic, out _);
            _fanout.TopicDeleted(topic, notice.DeletedEpoch!);
        }
    }

    // ---- publish and history ----

    public async ValueTask<PublishReceipt?> PublishAsync(string topic, string id, ReadOnlyMemory<byte> payload, string? publisherId, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());
        var body = RedisEntry.EncodeBody(id, publisherId, now, payload.Span);
        var (knownEpoch, knownSeq) = _marks.TryGetValue(topic, out var mark) ? mark.Read() : ("", 0L);
        var store = _shards.For(topic);
        var script = _publish[store.Shard];
        var sharded = store.IsCluster ? ShardedPublish : 0;
        return await store.CallAsync("publish", mayHaveRun: true, async () =>
        {
            // An unkeyed publish runs the script without the idempotency lines: it pays nothing for them.
            var result = idempotencyKey is null
                ? await script.EvaluateAsync(
                    store.Db,
                    sharded + Unkeyed,
                    [_keys.Topic(topic), _keys.History(topic)],
                    [body, _historyCapacity, _historyMaxBytes, _keys.ChannelName(topic), now.ToUnixTimeMilliseconds(), knownEpoch, knownSeq, NewEpoch()])
                : await script.EvaluateAsync(
                    store.Db,
                    sharded + Keyed,
                    [_keys.Topic(topic), _keys.History(topic), _keys.Idempotency(topic, idempotencyKey)],
                    [body, _historyCapacity, _historyMaxBytes, _keys.ChannelName(topic), now.ToUnixTimeMilliseconds(), knownEpoch, knownSeq, NewEpoch(), _idempotencyWindowMs, id]);
            // A repeat waits for replicas too: its ack promises what the first publish's did, which may have timed out there.
            await store.WaitForReplicasAsync(_keys.Topic(topic), cancellationToken);
            if (result.IsNull)
            {
                return null;
            }

            var reply = (RedisResult[])result!;
            if (reply.Length == 3)
            {
                return new PublishReceipt(topic, (string)reply[2]!, (long)reply[0], (string)reply[1]!, Duplicate: true);
            }

            var receipt = new PublishReceipt(topic, id, (long)reply[0], (string)reply[1]!);
            Note(topic, receipt.Epoch, receipt.Seq);
            return receipt;
        }, cancellationToken);
    }

    public async ValueTask<EpochReset?> ResetEpochAsync(string topic, string epoch, long keptThroughSeq, CancellationToken cancellationToken = default)
    {
        var store = _shards.For(topic);
        var result = await store.CallAsync("reset", mayHaveRun: true, () => store.Db.ScriptEvaluateAsync(
            store.Script(RedisScripts.Reset),
            [_keys.Topic(topic), _keys.History(topic)],
            [epoch, NewEpoch(), keptThroughSeq, _keys.ChannelName(topic)],
            CommandFlags.NoScriptCache), cancellationToken);
        if (result.IsNull)
        {
            return null;
        }

        var reply = (RedisResult[])result!;
        var reset = new EpochReset(topic, epoch, (string)reply[0]!, (long)reply[1]);
        Note(topic, reset.Epoch, reset.Seq);
        return reset;
    }

    /// <summary>
    /// Which of a shard's publish scripts (<see cref="_publish"/>) to run: <see cref="Unkeyed"/>, or <see cref="Keyed"/> for
    /// a publish with an idempotency key, plus <see cref="ShardedPublish"/> on a Redis Cluster. Each runs by its SHA1 in
    /// the order publishes were sent (see <see cref="OrderedScript"/>).
    /// </summary>
    private const int Unkeyed = 0, Keyed = 1, ShardedPublish = 2;

    internal static string NewEpoch() => Guid.NewGuid().ToString("N")[..8];

    /// <summary>Remembers the highest seq this node has seen of a topic life, for the publish script's check.</summary>
    private void Note(string topic, string epoch, long seq) => _marks.GetOrAdd(topic, static _ => new SeenMark()).Raise(epoch, seq);

    public async ValueTask<HistorySlice?> ReadHistoryAsync(string topic, HistoryQuery query, CancellationToken cancellationToken = default)
    {
        RedisValue[] args = query.Kind switch
        {
            HistoryQueryKind.Last => ["last", Math.Max(0, query.Limit), 0],
            HistoryQueryKind.After => ["after", Math.Max(0, query.AfterSeq), 0],
            _ => ["page", Math.Max(0, query.Offset), Math.Max(0, query.Limit)],
        };
        var store = _shards.For(topic);
        var result = await store.CallAsync("read", mayHaveRun: false, () => store.Db.ScriptEvaluateAsync(
            RedisScripts.Read, [_keys.Topic(topic), _keys.History(topic)], args), cancellationToken);
        if (result.IsNull)
        {
            return null;
        }

        var reply = (RedisResult[])result!;
        var epoch = (string)reply[0]!;
        var latest = (long)reply[1];
        var retained = (int)reply[2];
        var entries = (RedisResult[])reply[3]!;
        var messages = new List<PublishedMessage>(entries.Length);
        foreach (var entry in entries)
        {
            messages.Add(RedisEntry.DecodeEntry(topic, epoch, (byte[])entry!));
        }

        if (query.Kind == HistoryQueryKind.NewestFirst)
        {
            messages.Reverse();
        }

        var previous = (string?)reply[4];
        return new HistorySlice(messages, latest, latest - retained + 1, retained, epoch)
        {
            PreviousEpoch = string.IsNullOrEmpty(previous) ? null : previous,
            ResetSeq = (long)reply[5],
        };
    }

    // ---- topic events and connection state ----

    private void OnTopicEvent(ChannelMessage message)
    {
        var text = (string?)message.Message;
        if (text is { Length: > 1 } && text[0] is 'c' or 'd')
        {
            TopicChanged?.Invoke(text[1..], text[0] == 'c');
        }
    }

    private void OnConnectionRestored(RedisStore store, ConnectionType type)
    {
        if (type == ConnectionType.Subscription)
        {
            _ = ResyncAsync(store);
        }
    }

    private async Task ResyncAsync(RedisStore store)
    {
        try
        {
            // The client re-subscribes every channel on the restored connection before anything sent after; a ping on
            // that connection returns after those, so history read from here on misses nothing the channels carry.
            await store.Bus.PingAsync();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Resync anyway: the fan-out retries its history reads until Redis answers.
        }

        Log.Resync(_logger, _channels.Count);
        _fanout.Resync();
    }

    public void Dispose()
    {
        _channels.Dispose();
        foreach (var unhook in _unhook)
        {
            unhook();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(205, LogLevel.Information, "Redis engine: resyncing {Topics} watched topics from history after a reconnect")]
        public static partial void Resync(ILogger logger, int topics);

    }
}
