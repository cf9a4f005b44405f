using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace PubSub.Core.Engine.Redis;

/// <summary>
/// The scale-out engine: topics, seq, history and counts live in Redis and every node with the same Redis and
/// key prefix is one broker. Each change of a topic is one Lua script (<see cref="RedisScripts"/>); publications
/// travel between nodes over Redis pub/sub, one literal channel per topic, read through StackExchange.Redis's
/// ordered <see cref="ChannelMessageQueue"/>. A node subscribes only to the topics it has subscribers of
/// (<see cref="WatchAsync"/>), and its own publications come back through Redis like everyone else's, so that
/// seq N never overtakes a remote N - 1.
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
    private readonly RedisStore _home;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisEngine> _logger;
    private readonly RedisKeys _keys;
    private readonly int _historyCapacity;
    private readonly long _historyMaxBytes;
    private readonly long _idempotencyWindowMs;
    private readonly long _leftoverAgeMs;
    private readonly int _receiveCapacity;
    private readonly ConcurrentDictionary<string, SeenMark> _marks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ChannelWatch> _watches = new(StringComparer.Ordinal);
    private readonly OrderedScript[] _publish;
    private readonly List<Action> _unhook = [];
    private readonly ITimer _subscriptionCheck;
    private ChannelMessageQueue? _events;

    public RedisEngine(ILocalFanout fanout, RedisShards shards, IOptions<PubSubOptions> options, TimeProvider time, ILogger<RedisEngine> logger)
    {
        _fanout = fanout;
        _shards = shards;
        _home = shards.Home;
        _time = time;
        _logger = logger;
        _keys = shards.Keys;
        _historyCapacity = options.Value.History.Capacity;
        _historyMaxBytes = options.Value.History.MaxBytes;
        _idempotencyWindowMs = (long)options.Value.Publish.IdempotencyWindow.TotalMilliseconds;
        _receiveCapacity = shards.Options.ReceiveQueueCapacity;

        // A registry entry whose topic is missing is a create in progress only while its second step can still run: a
        // call is abandoned after the operation timeout (and a second). Older, it is a leftover of a create or delete
        // whose second step failed, and is given back.
        _leftoverAgeMs = (long)(2 * shards.Options.OperationTimeout + TimeSpan.FromSeconds(2)).TotalMilliseconds;

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
            EventHandler<EndPointEventArgs> changed = (_, e) => OnClusterChanged(store, e);
            store.Restored += restored;
            store.Connection.ConfigurationChanged += changed;
            _unhook.Add(() =>
            {
                store.Restored -= restored;
                store.Connection.ConfigurationChanged -= changed;
            });
        }

        _ = SubscribeEventsAsync();
        _subscriptionCheck = time.CreateTimer(_ => _ = CheckSubscriptionsAsync(), null, shards.Options.LinkProbeInterval, shards.Options.LinkProbeInterval);
    }

    public event Action<string, bool>? TopicChanged;

    // ---- topics ----

    public async ValueTask<TopicInfo?> CreateTopicAsync(string name, JsonElement? metadata, TopicQuota? quota = null, CancellationToken cancellationToken = default)
    {
        quota ??= TopicQuota.None;
        var epoch = NewEpoch();
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
                Script(store, RedisScripts.Create),
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

    public async ValueTask<bool> DeleteTopicAsync(string name, CancellationToken cancellationToken = default)
    {
        var store = _shards.For(name);
        var life = await store.CallAsync("delete", mayHaveRun: true, () => store.Db.ScriptEvaluateAsync(
            Script(store, RedisScripts.Delete),
            [_keys.Topic(name), _keys.History(name)],
            [_keys.ChannelName(name)],
            CommandFlags.NoScriptCache), cancellationToken);
        _marks.TryRemove(name, out _);
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
            Script(_home, RedisScripts.Release),
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

    /// <summary>A script as it runs on the store: with sharded notices on a Redis Cluster.</summary>
    private static string Script(RedisStore store, string script) => store.IsCluster ? ShardedScripts.GetOrAdd(script, RedisScripts.Sharded) : script;

    private static readonly ConcurrentDictionary<string, string> ShardedScripts = new(StringComparer.Ordinal);

    public async ValueTask<TopicInfo?> GetTopicAsync(string name, CancellationToken cancellationToken = default)
    {
        var store = _shards.For(name);
        var fields = await store.CallAsync("read", mayHaveRun: false, () => store.Db.HashGetAsync(_keys.Topic(name), TopicFields), cancellationToken);
        return ToTopicInfo(name, fields);
    }

    public async ValueTask<IReadOnlyList<TopicInfo>> ListTopicsAsync(CancellationToken cancellationToken = default)
    {
        var names = await _home.CallAsync("read", mayHaveRun: false, () => _home.Db.HashKeysAsync(_keys.Registry), cancellationToken);
        var sorted = names.Select(n => n.ToString()).Order(StringComparer.Ordinal).ToList();

        // One round trip per shard: each shard's reads go out as one batch (on a Redis Cluster the client splits it by slot).
        var reads = new Task<RedisValue[]>[sorted.Count];
        foreach (var shard in sorted.Select((name, i) => (Name: name, Index: i)).GroupBy(t => _shards.For(t.Name)))
        {
            var store = shard.Key;
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

        var list = new List<TopicInfo>(sorted.Count);
        for (var i = 0; i < sorted.Count; i++)
        {
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
            Script(store, RedisScripts.Reset),
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

    private static string NewEpoch() => Guid.NewGuid().ToString("N")[..8];

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

    // ---- node interest ----

    public ValueTask WatchAsync(string topic, CancellationToken cancellationToken = default)
    {
        Task ready;
        lock (_watches)
        {
            if (!_watches.TryGetValue(topic, out var watch))
            {
                _watches[topic] = watch = new ChannelWatch(topic);
            }

            if (++watch.Count == 1)
            {
                watch.Then(() => SubscribeChannelAsync(watch));
            }

            ready = watch.Tail;
        }

        return new ValueTask(_shards.For(topic).CallAsync("subscribe", mayHaveRun: false, async () =>
        {
            await ready;
            return true;
        }, cancellationToken));
    }

    public void Unwatch(string topic)
    {
        lock (_watches)
        {
            if (_watches.TryGetValue(topic, out var watch) && --watch.Count == 0)
            {
                watch.Then(() => UnsubscribeChannelAsync(watch));
            }
        }
    }

    private async Task SubscribeChannelAsync(ChannelWatch watch)
    {
        if (watch.Queue is not null)
        {
            return;
        }

        var store = _shards.For(watch.Topic);
        var channel = store.Channel(_keys.ChannelName(watch.Topic));
        var owner = store.OwnerOf(channel); // before subscribing: a move after this is one the next check sees
        var subscribing = store.Bus.SubscribeAsync(channel);
        ChannelMessageQueue queue;
        try
        {
            // Bounded: while a Redis Cluster moves the slot, a subscribe can be left unanswered, and this watch's next
            // operation waits for it.
            queue = await subscribing.WaitAsync(store.Options.OperationTimeout, _time);
        }
        catch (TimeoutException)
        {
            // The client may still complete it later: that queue is nobody's, so it is let go then.
            _ = subscribing.ContinueWith(t => t.Result.Unsubscribe(CommandFlags.FireAndForget), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            throw;
        }

        queue.OnMessage(message => OnTopicMessage(watch, queue, message));
        watch.Owner = owner;
        watch.Queue = queue;
    }

    private async Task UnsubscribeChannelAsync(ChannelWatch watch)
    {
        lock (_watches)
        {
            if (watch.Count > 0)
            {
                return; // watched again meanwhile: the next operation in the chain is a subscribe that finds the queue
            }
        }

        if (watch.Queue is { } queue)
        {
            watch.Queue = null;
            try
            {
                await queue.UnsubscribeAsync();
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // Not reachable: the server dropped the subscription with the connection, and the client was told to forget it.
            }
        }

        lock (_watches)
        {
            if (watch.Count == 0 && watch.Queue is null && _watches.TryGetValue(watch.Topic, out var current) && ReferenceEquals(current, watch))
            {
                _watches.Remove(watch.Topic);
            }
        }
    }

    private void OnTopicMessage(ChannelWatch watch, ChannelMessageQueue queue, ChannelMessage message)
    {
        var topic = watch.Topic;
        if (!BoundReceiveQueue(watch, queue))
        {
            return;
        }

        try
        {
            var notice = RedisEntry.DecodeChannel(topic, (byte[])message.Message!);
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
        catch (Exception ex)
        {
            // A message this node cannot read is lost to it like one the bus dropped: the next one shows the hole.
            Log.BadChannelMessage(_logger, ex, topic);
        }
    }

    /// <summary>
    /// The client queues what a channel receives without bound. When this node falls that far behind a topic (more than
    /// <see cref="RedisEngineOptions.ReceiveQueueCapacity"/> waiting), it skips what is queued instead of letting it grow,
    /// and once caught up reads what it skipped from history (a resync of the topic): memory stays bounded, nothing is
    /// lost. False while skipping.
    /// </summary>
    private bool BoundReceiveQueue(ChannelWatch watch, ChannelMessageQueue queue)
    {
        if (!queue.TryGetCount(out var waiting))
        {
            return true;
        }

        if (watch.Skipping)
        {
            if (waiting > _receiveCapacity / 2)
            {
                return false;
            }

            watch.Skipping = false;
            Log.ReceiveCaughtUp(_logger, watch.Topic);
            _fanout.Resync(watch.Topic);
            return false;
        }

        if (waiting > _receiveCapacity)
        {
            watch.Skipping = true;
            Log.ReceiveOverflow(_logger, watch.Topic, waiting);
            return false;
        }

        return true;
    }

    // ---- topic events and connection state ----

    private async Task SubscribeEventsAsync()
    {
        try
        {
            var events = await _home.Bus.SubscribeAsync(_home.Channel(_keys.Events));
            events.OnMessage(message =>
            {
                var text = (string?)message.Message;
                if (text is { Length: > 1 } && text[0] is 'c' or 'd')
                {
                    TopicChanged?.Invoke(text[1..], text[0] == 'c');
                }
            });
            _events = events;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Retried when the connection is restored.
        }
    }

    private void OnConnectionRestored(RedisStore store, ConnectionType type)
    {
        if (type == ConnectionType.Subscription)
        {
            _ = ResyncAsync(store);
        }
    }

    /// <summary>
    /// A Redis Cluster moved slots (a migration, or a failover that made a replica the primary): topic channels whose slot
    /// is now served by another cluster node are subscribed again there (<see cref="RewatchMovedAsync"/>).
    /// </summary>
    private void OnClusterChanged(RedisStore store, EndPointEventArgs e)
    {
        if (store.IsCluster)
        {
            Log.ClusterChanged(_logger, e.EndPoint?.ToString() ?? "?");
            _ = RewatchMovedAsync(store);
        }
    }

    /// <summary>
    /// Subscribes again, on the cluster node that owns it now, every watched topic channel of <paramref name="store"/>
    /// whose subscription is not there (its slot moved, or its node failed over), then reads from history what the topic
    /// published in between (a resync of the topic: what it finds again is delivered once, the fan-out goes by seq).
    /// The Redis client is told of a move by the unsolicited <c>SUNSUBSCRIBE</c> of the old owner, or a <c>MOVED</c>
    /// answer, or a lost link, but does not always subscribe again by itself; this is checked whenever the cluster's
    /// configuration changes and every <see cref="RedisEngineOptions.LinkProbeInterval"/> (<see cref="CheckSubscriptionsAsync"/>),
    /// so a topic is never left deaf. Returns how many were subscribed again.
    /// </summary>
    private Task<int> RewatchMovedAsync(RedisStore store)
    {
        var moved = new List<Task>();
        lock (_watches)
        {
            foreach (var watch in _watches.Values)
            {
                // Not while an operation of the watch runs; a watch left without a queue is one whose subscribe failed.
                if (watch.Count > 0 && watch.Tail.IsCompleted && ReferenceEquals(_shards.For(watch.Topic), store) && (watch.Queue is null || Moved(store, watch)))
                {
                    watch.Then(() => ResubscribeAsync(store, watch));
                    moved.Add(watch.Tail);
                }
            }
        }

        return moved.Count == 0 ? Task.FromResult(0) : CountAsync(moved);

        static async Task<int> CountAsync(List<Task> tasks)
        {
            await Task.WhenAll(tasks).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return tasks.Count;
        }
    }

    /// <summary>On a Redis Cluster, makes sure every watched topic channel is subscribed on its slot's owner.</summary>
    private async Task CheckSubscriptionsAsync()
    {
        foreach (var store in _shards.All)
        {
            if (store.IsCluster)
            {
                await RewatchMovedAsync(store);
            }
        }
    }

    /// <summary>
    /// Whether a watched channel's slot is served by another cluster node than the one it was subscribed on, or the client
    /// no longer holds the subscription. The client's own record of where a channel is subscribed is not enough: after a
    /// slot moved away and back it can name the right node while that node dropped the subscription with the move.
    /// </summary>
    private static bool Moved(RedisStore store, ChannelWatch watch) =>
        watch.Queue is { } queue && (store.Bus.SubscribedEndpoint(queue.Channel) is null || store.OwnerOf(queue.Channel) is { } owner && !owner.Equals(watch.Owner));

    private async Task ResubscribeAsync(RedisStore store, ChannelWatch watch)
    {
        if (watch.Queue is { } queue)
        {
            if (!Moved(store, watch))
            {
                return; // already subscribed again where it belongs
            }

            watch.Queue = null;
            try
            {
                await queue.UnsubscribeAsync();
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // The old owner is gone or no longer serves the slot: nothing to undo there.
            }
        }

        lock (_watches)
        {
            if (watch.Count == 0)
            {
                return; // unwatched meanwhile: the unsubscribe queued after this finds nothing to do
            }
        }

        Log.Resubscribing(_logger, watch.Topic);
        try
        {
            await SubscribeChannelAsync(watch);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.ResubscribeFailed(_logger, watch.Topic, ex.Message); // the next check tries again
        }
        finally
        {
            // Subscribed or not, what was published meanwhile is in history.
            _fanout.Resync(watch.Topic);
        }
    }

    private async Task ResyncAsync(RedisStore store)
    {
        try
        {
            if (_events is null)
            {
                await SubscribeEventsAsync();
            }

            // The client re-subscribes every channel on the restored connection before anything sent after; a ping on
            // that connection returns after those, so history read from here on misses nothing the channels carry.
            await store.Bus.PingAsync();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Resync anyway: the fan-out retries its history reads until Redis answers.
        }

        int watched;
        lock (_watches)
        {
            watched = _watches.Count;
        }

        Log.Resync(_logger, watched);
        _fanout.Resync();
    }

    // ---- calls ----

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

    public void Dispose()
    {
        _subscriptionCheck.Dispose();
        foreach (var unhook in _unhook)
        {
            unhook();
        }
    }

    /// <summary>
    /// One topic's channel subscription on this node, counted: the first watch subscribes, the last unwatch
    /// unsubscribes. The Redis operations run one after another through <see cref="Tail"/>, so a subscribe and an
    /// unsubscribe of the same topic never overtake each other. Guarded by the engine's <c>_watches</c> lock.
    /// </summary>
    private sealed class ChannelWatch(string topic)
    {
        public string Topic { get; } = topic;

        public int Count { get; set; }

        public ChannelMessageQueue? Queue { get; set; }

        /// <summary>On a Redis Cluster, the node that served the channel's slot when it was subscribed.</summary>
        public System.Net.EndPoint? Owner { get; set; }

        /// <summary>The receive queue overflowed: messages are skipped until it drains, then read from history. Read by the queue's one reader only.</summary>
        public bool Skipping { get; set; }

        public Task Tail { get; private set; } = Task.CompletedTask;

        public void Then(Func<Task> next)
        {
            var previous = Tail;
            Tail = Run();

            async Task Run()
            {
                await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                await next();
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(205, LogLevel.Information, "Redis engine: resyncing {Topics} watched topics from history after a reconnect")]
        public static partial void Resync(ILogger logger, int topics);

        [LoggerMessage(206, LogLevel.Error, "Redis engine: unreadable message on the channel of topic {Topic}")]
        public static partial void BadChannelMessage(ILogger logger, Exception exception, string topic);

        [LoggerMessage(211, LogLevel.Warning, "Redis engine: topic {Topic} has {Waiting} messages waiting to be handed to subscribers (over PubSub:Redis:ReceiveQueueCapacity); skipping them and reading them from history once caught up")]
        public static partial void ReceiveOverflow(ILogger logger, string topic, int waiting);

        [LoggerMessage(213, LogLevel.Warning, "Redis engine: topic {Topic} is deleted, but its entry in the registry could not be removed ({Why}); lists skip it, and it is given back once old enough")]
        public static partial void RegistryBehind(ILogger logger, string topic, string why);

        [LoggerMessage(214, LogLevel.Information, "Redis engine: gave back the registry entry of topic {Topic}, left by a create or delete that did not finish")]
        public static partial void LeftoverReleased(ILogger logger, string topic);

        [LoggerMessage(215, LogLevel.Information, "Redis engine: the Redis Cluster's configuration changed (at {Endpoint}); checking that every watched topic is subscribed on its slot's owner")]
        public static partial void ClusterChanged(ILogger logger, string endpoint);

        [LoggerMessage(216, LogLevel.Information, "Redis engine: topic {Topic}'s channel is not subscribed on the cluster node that serves its slot now (the slot moved, or a subscribe failed); subscribing there and reading what was published meanwhile from history")]
        public static partial void Resubscribing(ILogger logger, string topic);

        [LoggerMessage(217, LogLevel.Warning, "Redis engine: subscribing topic {Topic}'s channel on its slot's owner failed ({Why}); trying again at the next check")]
        public static partial void ResubscribeFailed(ILogger logger, string topic, string why);

        [LoggerMessage(212, LogLevel.Information, "Redis engine: topic {Topic} caught up; reading what was skipped from history")]
        public static partial void ReceiveCaughtUp(ILogger logger, string topic);
    }
}
