using System.Diagnostics.Metrics;
using System.Text.Json;
using PubSub.Core.Hosting;
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
/// Redis pub/sub is at-most-once: what it loses (a connection drop, a node restart) the fan-out repairs from
/// history, and after the subscription connection is restored the engine asks for a resync of every topic
/// (<see cref="ILocalFanout.Resync"/>). Every call is bounded by <see cref="RedisEngineOptions.OperationTimeout"/>;
/// while Redis is unreachable calls fail at once (<see cref="BacklogPolicy.FailFast"/>) with
/// <see cref="PubSubErrorCode.Unavailable"/>.
/// </remarks>
internal sealed partial class RedisEngine : IPubSubEngine, ITopicEvents, IDisposable
{
    private readonly ILocalFanout _fanout;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisEngine> _logger;
    private readonly RedisKeys _keys;
    private readonly int _historyCapacity;
    private readonly TimeSpan _timeout;
    private readonly ConnectionMultiplexer _redis;
    private readonly IDatabase _db;
    private readonly ISubscriber _bus;
    private readonly Dictionary<string, ChannelWatch> _watches = new(StringComparer.Ordinal);
    private readonly Histogram<double> _callDuration;
    private readonly Counter<long> _reconnects;
    private ChannelMessageQueue? _events;
    private volatile bool _disposed;

    public RedisEngine(ILocalFanout fanout, IOptions<PubSubOptions> options, IOptions<RedisEngineOptions> redisOptions, TimeProvider time, ILogger<RedisEngine> logger, PubSubMeter meter)
    {
        _callDuration = meter.CreateLatencyHistogram("pubsub.redis.script.duration", "One call to Redis (a script or a read), from sending to its answer");
        _reconnects = meter.CreateCounter("pubsub.redis.reconnects", "{reconnect}", "Times the connection to Redis was restored after it was lost");
        _fanout = fanout;
        _time = time;
        _logger = logger;
        var settings = redisOptions.Value;
        _keys = new RedisKeys(settings.KeyPrefix);
        _historyCapacity = options.Value.History.Capacity;
        _timeout = settings.OperationTimeout;

        var config = ConfigurationOptions.Parse(settings.Configuration!);
        config.AbortOnConnectFail = false; // start without Redis; the client keeps trying
        config.BacklogPolicy = BacklogPolicy.FailFast; // while disconnected, fail at once: never queue a publish
        config.AsyncTimeout = config.SyncTimeout = (int)settings.OperationTimeout.TotalMilliseconds;
        config.ConnectTimeout = (int)settings.ConnectTimeout.TotalMilliseconds;
        config.ClientName ??= "pubsub";

        // The client's own dedicated I/O threads spin while they wait for work, and on a small machine that spinning
        // takes the cores the broker needs (measured: 1 core at 6,000 publishes/s); the shared thread pool does not.
        config.SocketManager = SocketManager.ThreadPool;
        Endpoint = string.Join(",", config.EndPoints.Select(e => e is System.Net.DnsEndPoint dns ? $"{dns.Host}:{dns.Port}" : e.ToString()));

        _redis = ConnectionMultiplexer.Connect(config);
        _db = _redis.GetDatabase();
        _bus = _redis.GetSubscriber();
        _redis.ConnectionFailed += OnConnectionFailed;
        _redis.ConnectionRestored += OnConnectionRestored;
        if (_redis.IsConnected)
        {
            Log.Connected(_logger, Endpoint, _keys.Prefix);
        }
        else
        {
            Log.StartedWithoutRedis(_logger, Endpoint);
        }

        _ = SubscribeEventsAsync();
    }

    /// <summary>The Redis endpoint(s), for logs and health.</summary>
    public string Endpoint { get; }

    /// <summary>The engine's connection, shared with the cluster bus and the health check.</summary>
    internal IConnectionMultiplexer Connection => _redis;

    internal RedisKeys Keys => _keys;

    public event Action<string, bool>? TopicChanged;

    // ---- topics ----

    public async ValueTask<TopicInfo?> CreateTopicAsync(string name, JsonElement? metadata, TopicQuota? quota = null, CancellationToken cancellationToken = default)
    {
        quota ??= TopicQuota.None;
        var epoch = Guid.NewGuid().ToString("N")[..8];
        var now = _time.GetUtcNow();
        var created = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds());
        var meta = metadata is { } m ? m.GetRawText() : "";
        var result = await CallAsync("create", mayHaveRun: true, () => _db.ScriptEvaluateAsync(
            RedisScripts.Create,
            [_keys.Registry, _keys.Topic(name), _keys.History(name), _keys.Owners],
            [name, epoch, now.ToUnixTimeMilliseconds(), meta, (RedisValue)_keys.Events.ToString(), quota.Owner ?? "", quota.OwnerName ?? "", quota.MaxTopics, quota.MaxPerOwner]), cancellationToken);
        return (int)result switch
        {
            1 => new TopicInfo(name, created, metadata?.Clone(), 0, null, epoch, quota.OwnerName),
            -1 => throw quota.TooManyTopics(),
            -2 => throw quota.TooManyForOwner(),
            _ => null,
        };
    }

    public async ValueTask<bool> DeleteTopicAsync(string name, CancellationToken cancellationToken = default)
    {
        var result = await CallAsync("delete", mayHaveRun: true, () => _db.ScriptEvaluateAsync(
            RedisScripts.Delete,
            [_keys.Registry, _keys.Topic(name), _keys.History(name), _keys.Owners],
            [name, _keys.ChannelName(name), (RedisValue)_keys.Events.ToString()]), cancellationToken);
        return (int)result == 1;
    }

    public async ValueTask<TopicInfo?> GetTopicAsync(string name, CancellationToken cancellationToken = default)
    {
        var fields = await CallAsync("read", mayHaveRun: false, () => _db.HashGetAsync(_keys.Topic(name), TopicFields), cancellationToken);
        return ToTopicInfo(name, fields);
    }

    public async ValueTask<IReadOnlyList<TopicInfo>> ListTopicsAsync(CancellationToken cancellationToken = default)
    {
        var names = await CallAsync("read", mayHaveRun: false, () => _db.HashKeysAsync(_keys.Registry), cancellationToken);
        var sorted = names.Select(n => n.ToString()).Order(StringComparer.Ordinal).ToList();
        var topics = await CallAsync("read", mayHaveRun: false, () =>
        {
            // One round trip for all of them: the batch goes out as one write.
            var batch = _db.CreateBatch();
            var reads = sorted.Select(n => batch.HashGetAsync(_keys.Topic(n), TopicFields)).ToList();
            batch.Execute();
            return Task.WhenAll(reads);
        }, cancellationToken);
        var list = new List<TopicInfo>(sorted.Count);
        for (var i = 0; i < sorted.Count; i++)
        {
            if (ToTopicInfo(sorted[i], topics[i]) is { } info)
            {
                list.Add(info); // a topic deleted between the two reads is left out
            }
        }

        return list;
    }

    // ---- publish and history ----

    public async ValueTask<PublishedMessage?> PublishAsync(string topic, string id, ReadOnlyMemory<byte> payload, string? publisherId, CancellationToken cancellationToken = default)
    {
        var now = DateTimeOffset.FromUnixTimeMilliseconds(_time.GetUtcNow().ToUnixTimeMilliseconds());
        var body = RedisEntry.EncodeBody(id, publisherId, now, payload.Span);
        return await CallAsync("publish", mayHaveRun: true, async () =>
        {
            var result = await _db.ScriptEvaluateAsync(
                RedisScripts.Publish,
                [_keys.Topic(topic), _keys.History(topic)],
                [body, _historyCapacity, _keys.ChannelName(topic), now.ToUnixTimeMilliseconds()]);
            if (result.IsNull)
            {
                return null;
            }

            var reply = (RedisResult[])result!;
            return new PublishedMessage(topic, (long)reply[0], id, payload, publisherId, now, (string)reply[1]!);
        }, cancellationToken);
    }

    public async ValueTask<HistorySlice?> ReadHistoryAsync(string topic, HistoryQuery query, CancellationToken cancellationToken = default)
    {
        RedisValue[] args = query.Kind switch
        {
            HistoryQueryKind.Last => ["last", Math.Max(0, query.Limit), 0],
            HistoryQueryKind.After => ["after", Math.Max(0, query.AfterSeq), 0],
            _ => ["page", Math.Max(0, query.Offset), Math.Max(0, query.Limit)],
        };
        var result = await CallAsync("read", mayHaveRun: false, () => _db.ScriptEvaluateAsync(
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

        return new HistorySlice(messages, latest, latest - retained + 1, retained, epoch);
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

        return new ValueTask(CallAsync("subscribe", mayHaveRun: false, async () =>
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

        var queue = await _bus.SubscribeAsync(_keys.Channel(watch.Topic));
        queue.OnMessage(message => OnTopicMessage(watch.Topic, message));
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

    private void OnTopicMessage(string topic, ChannelMessage message)
    {
        try
        {
            var (published, deletedEpoch) = RedisEntry.DecodeChannel(topic, (byte[])message.Message!);
            if (published is not null)
            {
                _fanout.Deliver(published);
            }
            else
            {
                _fanout.TopicDeleted(topic, deletedEpoch!);
            }
        }
        catch (Exception ex)
        {
            // A message this node cannot read is lost to it like one the bus dropped: the next one shows the hole.
            Log.BadChannelMessage(_logger, ex, topic);
        }
    }

    // ---- topic events and connection state ----

    private async Task SubscribeEventsAsync()
    {
        try
        {
            var events = await _bus.SubscribeAsync(_keys.Events);
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

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Interactive)
        {
            Log.ConnectionLost(_logger, Endpoint, e.FailureType.ToString(), e.Exception?.Message ?? "");
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Interactive)
        {
            _reconnects.Add(1);
            Log.ConnectionRestored(_logger, Endpoint);
        }

        if (e.ConnectionType == ConnectionType.Subscription)
        {
            _ = ResyncAsync();
        }
    }

    private async Task ResyncAsync()
    {
        try
        {
            if (_events is null)
            {
                await SubscribeEventsAsync();
            }

            // The client re-subscribes every channel on the restored connection before anything sent after; a ping on
            // that connection returns after those, so history read from here on misses nothing the channels carry.
            await _bus.PingAsync();
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

    /// <summary>
    /// Runs one Redis call within the operation timeout, mapping the ways Redis can be away to
    /// <see cref="PubSubErrorCode.Unavailable"/> with a message that says whether the request may have been carried out.
    /// </summary>
    internal async Task<T> CallAsync<T>(string what, bool mayHaveRun, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        try
        {
            // The client's own timeout fires from a timer that ticks about once a second: this is the hard bound.
            var result = await call().WaitAsync(_timeout + TimeSpan.FromSeconds(1), _time, cancellationToken);
            _callDuration.Record(_time.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("call", what));
            return result;
        }
        catch (RedisConnectionException ex)
        {
            var sent = ex.CommandStatus is not (CommandStatus.WaitingToBeSent or CommandStatus.WaitingInBacklog);
            throw Unavailable(what, mayHaveRun && sent, $"Redis at {Endpoint} is unreachable ({ex.FailureType})");
        }
        catch (Exception ex) when (ex is RedisTimeoutException or TimeoutException)
        {
            throw Unavailable(what, mayHaveRun, $"Redis at {Endpoint} did not answer within {_timeout.TotalSeconds:0.###} s");
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("LOADING", StringComparison.Ordinal) || ex.Message.StartsWith("MISCONF", StringComparison.Ordinal)
            || ex.Message.StartsWith("READONLY", StringComparison.Ordinal) || ex.Message.StartsWith("BUSY", StringComparison.Ordinal))
        {
            throw Unavailable(what, mayHaveRun: false, $"Redis at {Endpoint} cannot serve now ({ex.Message})");
        }
        catch (Exception ex) when (_disposed && ex is not PubSubException)
        {
            // The host is stopping (a dashboard tick or a report raced the shutdown): expected, not an error.
            throw new PubSubException(PubSubErrorCode.Unavailable, $"the node is stopping: the {what} was not carried out");
        }
        catch (Exception ex) when (ex is not PubSubException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // Anything else (a connection torn down mid-call, the client disposed at shutdown, a reply the client did
            // not classify) is the store failing too, and the request may have reached it: never INTERNAL to the caller.
            Log.CallFailedUnexpectedly(_logger, ex, what);
            throw Unavailable(what, mayHaveRun, $"Redis at {Endpoint} failed ({ex.GetType().Name}: {ex.Message})");
        }
    }

    private PubSubException Unavailable(string what, bool mayHaveRun, string why)
    {
        Log.CallFailed(_logger, what, why);
        return new PubSubException(
            PubSubErrorCode.Unavailable,
            mayHaveRun ? $"{why}: the {what} may or may not have been carried out" : $"{why}: the {what} was not carried out; try again");
    }

    public void Dispose()
    {
        _disposed = true;
        _redis.ConnectionFailed -= OnConnectionFailed;
        _redis.ConnectionRestored -= OnConnectionRestored;
        _redis.Dispose();
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
        [LoggerMessage(201, LogLevel.Information, "Redis engine: connected to {Endpoint}, key prefix {Prefix}")]
        public static partial void Connected(ILogger logger, string endpoint, string prefix);

        [LoggerMessage(202, LogLevel.Error, "Redis engine: Redis at {Endpoint} is not reachable. The node is up, answers UNAVAILABLE and serves once Redis is reachable (retrying in the background)")]
        public static partial void StartedWithoutRedis(ILogger logger, string endpoint);

        [LoggerMessage(203, LogLevel.Error, "Redis engine: lost the connection to {Endpoint} ({FailureType}: {Error}); requests get UNAVAILABLE, subscribers stay connected")]
        public static partial void ConnectionLost(ILogger logger, string endpoint, string failureType, string error);

        [LoggerMessage(204, LogLevel.Information, "Redis engine: connection to {Endpoint} restored")]
        public static partial void ConnectionRestored(ILogger logger, string endpoint);

        [LoggerMessage(205, LogLevel.Information, "Redis engine: resyncing {Topics} watched topics from history after a reconnect")]
        public static partial void Resync(ILogger logger, int topics);

        [LoggerMessage(206, LogLevel.Error, "Redis engine: unreadable message on the channel of topic {Topic}")]
        public static partial void BadChannelMessage(ILogger logger, Exception exception, string topic);

        [LoggerMessage(208, LogLevel.Error, "Redis engine: {What} failed unexpectedly")]
        public static partial void CallFailedUnexpectedly(ILogger logger, Exception exception, string what);

        [LoggerMessage(207, LogLevel.Warning, "Redis engine: {What} failed: {Why}")]
        public static partial void CallFailed(ILogger logger, string what, string why);
    }
}
