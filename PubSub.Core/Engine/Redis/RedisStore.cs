using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace PubSub.Core.Engine.Redis;

/// <summary>
/// This node's connection to one Redis (a standalone server, or a Redis Cluster, or one shard of several: see
/// <see cref="RedisShards"/>) and the policy of every call on it: the one place that knows how a call is
/// bounded in time, and how each way Redis can fail or refuse becomes <see cref="PubSubErrorCode.Unavailable"/> with
/// a message that says whether the request was carried out. The engine, the cluster bus and the health checks all
/// call Redis through it.
/// </summary>
/// <remarks>
/// <para><b>Failure vs refusal.</b> A call that timed out, or whose connection broke after it was sent, may have
/// run: the caller is told so. A call Redis answered with a refusal (<see cref="RedisRefusals"/>: out of memory,
/// read-only, no quorum of replicas, busy, loading, cluster down) did not run: the caller is told that, and the
/// condition is logged when it begins and when it ends, never once per request.</para>
/// <para>While Redis is unreachable calls fail at once (<see cref="BacklogPolicy.FailFast"/>); the client keeps
/// reconnecting in the background.</para>
/// </remarks>
internal sealed partial class RedisStore : IDisposable
{
    private readonly TimeProvider _time;
    private readonly ILogger<RedisStore> _logger;
    private readonly TimeSpan _timeout;
    private readonly ConnectionMultiplexer _redis;
    private readonly Histogram<double> _callDuration;
    private readonly Counter<long> _reconnects;
    private int _cluster = -1; // unknown until connected, then 0 or 1
    private readonly object _refusalLock = new();
    private string? _refusal;
    private readonly HashSet<string> _refusedCalls = new(StringComparer.Ordinal); // kinds of call refused during _refusal
    private int _replicasBehind;
    private volatile bool _disposed;

    /// <summary>A connection to one Redis (<paramref name="configuration"/>), shard <paramref name="shard"/> of <paramref name="shards"/>.</summary>
    public RedisStore(RedisEngineOptions options, string configuration, int shard, int shards, TimeProvider time, ILogger<RedisStore> logger, Histogram<double> callDuration, Counter<long> reconnects)
    {
        _callDuration = callDuration;
        _reconnects = reconnects;
        _time = time;
        _logger = logger;
        Options = options;
        Shard = shard;
        Keys = new RedisKeys(Options.KeyPrefix);
        _timeout = Options.OperationTimeout;

        var config = ConfigurationOptions.Parse(configuration);
        config.AbortOnConnectFail = false; // start without Redis; the client keeps trying
        config.BacklogPolicy = BacklogPolicy.FailFast; // while disconnected, fail at once: never queue a publish
        config.AsyncTimeout = config.SyncTimeout = (int)Options.OperationTimeout.TotalMilliseconds;
        config.ConnectTimeout = (int)Options.ConnectTimeout.TotalMilliseconds;
        config.ClientName ??= "pubsub";

        // The client guards INFO and CONFIG as admin commands; the eviction-policy check at start (RedisPolicyCheck)
        // reads them. Nothing in the node sends a destructive one.
        config.AllowAdmin = true;

        // The client's own dedicated I/O threads spin while they wait for work, and on a small machine that spinning
        // takes the cores the broker needs (measured: 1 core at 6,000 publishes/s); the shared thread pool does not.
        config.SocketManager = SocketManager.ThreadPool;
        Endpoint = string.Join(",", config.EndPoints.Select(e => e is System.Net.DnsEndPoint dns ? $"{dns.Host}:{dns.Port}" : e.ToString()));
        if (shards > 1)
        {
            Endpoint += $" (shard {shard} of {shards})";
        }

        _redis = ConnectionMultiplexer.Connect(config);
        _redis.ConnectionFailed += OnConnectionFailed;
        _redis.ConnectionRestored += OnConnectionRestored;
        if (_redis.IsConnected)
        {
            Log.Connected(_logger, Endpoint, Keys.Prefix);
        }
        else
        {
            Log.StartedWithoutRedis(_logger, Endpoint);
        }
    }

    /// <summary>The Redis endpoint(s), and the shard when there are several, for logs and health.</summary>
    public string Endpoint { get; }

    public RedisEngineOptions Options { get; }

    /// <summary>Which of the standalone shards this is (0 when there is one Redis, or a Redis Cluster).</summary>
    public int Shard { get; }

    /// <summary>
    /// Whether this Redis is a Redis Cluster: then channels are sharded (<see cref="Channel"/>) and scripts publish with
    /// <c>SPUBLISH</c> (<see cref="RedisScripts.Sharded"/>). Known once connected; false before.
    /// </summary>
    public bool IsCluster
    {
        get
        {
            var known = Volatile.Read(ref _cluster);
            if (known >= 0 || !_redis.IsConnected)
            {
                return known == 1;
            }

            known = _redis.GetServers().Any(s => s.IsConnected && s.ServerType == ServerType.Cluster) ? 1 : 0;
            Volatile.Write(ref _cluster, known);
            return known == 1;
        }
    }

    /// <summary>
    /// A channel of the engine's: sharded on a Redis Cluster, where a classic channel's every message is copied to every
    /// cluster node (redis/redis#2672), so that it reaches only the node that owns the channel's slot; literal otherwise
    /// (sharded pub/sub needs Redis 7, classic channels any Redis).
    /// </summary>
    public RedisChannel Channel(string name) => IsCluster ? RedisChannel.Sharded(name) : RedisChannel.Literal(name);

    /// <summary>A script as it runs on this Redis: with sharded notices (<see cref="RedisScripts.Sharded"/>) on a Redis Cluster.</summary>
    public string Script(string script) => IsCluster ? ShardedScripts.GetOrAdd(script, RedisScripts.Sharded) : script;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> ShardedScripts = new(StringComparer.Ordinal);

    /// <summary>
    /// The cluster node that serves a sharded channel's slot now, or null for any other channel or while the owner is not
    /// known (the cluster is reconfiguring).
    /// </summary>
    public System.Net.EndPoint? OwnerOf(RedisChannel channel)
    {
        if (!channel.IsSharded)
        {
            return null;
        }

        try
        {
            return _redis.GetServer((RedisKey)channel.ToString()).EndPoint;
        }
        catch (Exception ex) when (ex is RedisException or InvalidOperationException or NotSupportedException)
        {
            return null;
        }
    }

    public RedisKeys Keys { get; }

    /// <summary>The connection, for what needs it whole (the health check's PING, the subscriber).</summary>
    public IConnectionMultiplexer Connection => _redis;

    public IDatabase Db => _redis.GetDatabase();

    public ISubscriber Bus => _redis.GetSubscriber();

    public bool IsDisposed => _disposed;

    /// <summary>A connection of the given type came back (after <see cref="ConnectionType.Subscription"/>: resync).</summary>
    public event Action<ConnectionType>? Restored;

    /// <summary>
    /// Runs one Redis call within the operation timeout, mapping the ways Redis can be away or refuse to
    /// <see cref="PubSubErrorCode.Unavailable"/> with a message that says whether the request may have been carried out.
    /// </summary>
    public async Task<T> CallAsync<T>(string what, bool mayHaveRun, Func<Task<T>> call, CancellationToken cancellationToken)
    {
        var started = _time.GetTimestamp();
        try
        {
            // The client's own timeout fires from a timer that ticks about once a second: this is the hard bound.
            var result = await call().WaitAsync(_timeout + TimeSpan.FromSeconds(1), _time, cancellationToken);
            _callDuration.Record(_time.GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>("call", what));
            if (_refusal is not null)
            {
                EndRefusal(what);
            }

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
        catch (RedisServerException ex) when (RedisRefusals.Describe(ex.Message) is { } refusal)
        {
            throw Refused(what, refusal, ex.Message);
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

    /// <summary>
    /// With <see cref="RedisEngineOptions.AckReplicas"/> above 0, waits (Redis <c>WAIT</c>) until that many replicas hold
    /// every write this node sent before on its connection, the publish just stored included; called after the publish
    /// script, before the ack. Throws <see cref="PubSubException"/> (<see cref="PubSubErrorCode.Unavailable"/>) saying
    /// the message is stored on the primary but not yet on the replicas when they do not acknowledge it in time.
    /// </summary>
    /// <remarks>
    /// <c>WAIT</c> blocks the connection it is sent on, and this node sends every command on one: while replicas lag,
    /// every call of this node waits behind it. It is bounded to half the operation timeout so that Redis answers with
    /// the count well before the client gives up on the call (on a busy node the reply can take a while to be read).
    /// Replicas falling behind is logged when it begins and ends. <c>WAIT</c> carries no key: it is sent to the primary
    /// that holds <paramref name="key"/> (on a Redis Cluster, the topic's), on the connection the publish went on.
    /// </remarks>
    public async Task WaitForReplicasAsync(RedisKey key, CancellationToken cancellationToken)
    {
        var wanted = Options.AckReplicas;
        if (wanted == 0)
        {
            return;
        }

        var waitMs = (long)Math.Max(1, _timeout.TotalMilliseconds / 2);
        long acknowledged;
        try
        {
            acknowledged = (long)await CallAsync("wait", mayHaveRun: false, () => _redis.GetServer(key).ExecuteAsync("WAIT", wanted, waitMs), cancellationToken);
        }
        catch (PubSubException ex)
        {
            throw new PubSubException(PubSubErrorCode.Unavailable, $"the message is stored on the Redis primary, but whether {wanted} replica(s) hold it is not known: {ex.Message}");
        }

        if (acknowledged >= wanted)
        {
            if (Interlocked.Exchange(ref _replicasBehind, 0) == 1)
            {
                Log.ReplicasCaughtUp(_logger, Endpoint, wanted);
            }

            return;
        }

        if (Interlocked.Exchange(ref _replicasBehind, 1) == 0)
        {
            Log.ReplicasBehind(_logger, Endpoint, acknowledged, wanted, waitMs);
        }

        throw new PubSubException(
            PubSubErrorCode.Unavailable,
            $"the message is stored on the Redis primary but not yet on the replicas: {acknowledged} of {wanted} acknowledged it within {waitMs} ms (PubSub:Redis:AckReplicas). It is delivered, but lost if the primary fails before they have it");
    }

    private PubSubException Unavailable(string what, bool mayHaveRun, string why)
    {
        Log.CallFailed(_logger, what, why);
        return new PubSubException(
            PubSubErrorCode.Unavailable,
            mayHaveRun ? $"{why}: the {what} may or may not have been carried out" : $"{why}: the {what} was not carried out; try again");
    }

    /// <summary>Redis said no: the command did not run. Logged when the condition begins (and when it ends), not per request.</summary>
    private PubSubException Refused(string what, string refusal, string answer)
    {
        lock (_refusalLock)
        {
            if (!string.Equals(_refusal, refusal, StringComparison.Ordinal))
            {
                _refusal = refusal;
                _refusedCalls.Clear();
                Log.RefusalBegan(_logger, Endpoint, refusal, answer);
            }

            _refusedCalls.Add(what);
        }

        return new PubSubException(PubSubErrorCode.Unavailable, $"Redis at {Endpoint} refused it ({refusal}): the {what} was not carried out; try again later");
    }

    /// <summary>
    /// A call succeeded: the condition is over when it is a kind of call that was refused. Others prove nothing: under
    /// OOM or READONLY, reads go on succeeding between refused writes.
    /// </summary>
    private void EndRefusal(string what)
    {
        lock (_refusalLock)
        {
            if (_refusal is { } ended && _refusedCalls.Contains(what))
            {
                _refusedCalls.Clear();
                _refusal = null;
                Log.RefusalEnded(_logger, Endpoint, ended);
            }
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

        Restored?.Invoke(e.ConnectionType);
    }

    public void Dispose()
    {
        _disposed = true;
        _redis.ConnectionFailed -= OnConnectionFailed;
        _redis.ConnectionRestored -= OnConnectionRestored;
        _redis.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(201, LogLevel.Information, "Redis: connected to {Endpoint}, key prefix {Prefix}")]
        public static partial void Connected(ILogger logger, string endpoint, string prefix);

        [LoggerMessage(202, LogLevel.Error, "Redis: Redis at {Endpoint} is not reachable. The node is up, answers UNAVAILABLE and serves once Redis is reachable (retrying in the background)")]
        public static partial void StartedWithoutRedis(ILogger logger, string endpoint);

        [LoggerMessage(203, LogLevel.Error, "Redis: lost the connection to {Endpoint} ({FailureType}: {Error}); requests get UNAVAILABLE, subscribers stay connected")]
        public static partial void ConnectionLost(ILogger logger, string endpoint, string failureType, string error);

        [LoggerMessage(204, LogLevel.Information, "Redis: connection to {Endpoint} restored")]
        public static partial void ConnectionRestored(ILogger logger, string endpoint);

        [LoggerMessage(208, LogLevel.Error, "Redis: {What} failed unexpectedly")]
        public static partial void CallFailedUnexpectedly(ILogger logger, Exception exception, string what);

        [LoggerMessage(207, LogLevel.Warning, "Redis: {What} failed: {Why}")]
        public static partial void CallFailed(ILogger logger, string what, string why);

        [LoggerMessage(209, LogLevel.Warning, "Redis at {Endpoint} refuses commands ({Refusal}: {Answer}); requests are answered UNAVAILABLE, not carried out, until it accepts them again")]
        public static partial void RefusalBegan(ILogger logger, string endpoint, string refusal, string answer);

        [LoggerMessage(241, LogLevel.Warning, "Redis at {Endpoint}: only {Acknowledged} of {Wanted} replicas hold publishes within {WaitMs} ms (PubSub:Redis:AckReplicas); publishes are stored on the primary and answered UNAVAILABLE until the replicas keep up")]
        public static partial void ReplicasBehind(ILogger logger, string endpoint, long acknowledged, int wanted, long waitMs);

        [LoggerMessage(242, LogLevel.Information, "Redis at {Endpoint}: {Wanted} replicas hold publishes again")]
        public static partial void ReplicasCaughtUp(ILogger logger, string endpoint, int wanted);

        [LoggerMessage(210, LogLevel.Information, "Redis at {Endpoint} accepts commands again (it had refused them: {Refusal})")]
        public static partial void RefusalEnded(ILogger logger, string endpoint, string refusal);
    }
}
