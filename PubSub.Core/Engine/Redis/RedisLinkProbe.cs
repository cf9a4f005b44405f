using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PubSub.Core.Cluster;
using StackExchange.Redis;

namespace PubSub.Core.Engine.Redis;

/// <summary>
/// Watches this node's receiving link, the Redis pub/sub connection that carries every topic's events (PROTOCOL.md §8:
/// a node that cannot hear is not ready). Every <see cref="RedisEngineOptions.LinkProbeInterval"/> it publishes a tiny
/// probe on a channel of its own (<see cref="RedisKeys.Probe"/>) over its other connection, and listens for it on the
/// receiving link. When nothing comes back within <see cref="RedisEngineOptions.LinkProbeTimeout"/>, or the client
/// reports the link lost, the node is deaf: it reports not ready (<see cref="DeafCause"/>) until a probe sent since comes
/// back. A link that is open but silent (wedged: a proxy or network path that stopped forwarding) is found by the
/// client itself, fed by a PING on the link every interval (<see cref="Link.PingLinkAsync"/>): it drops and reconnects it;
/// the engine then resyncs every topic from history, as after any reconnect. Logged once when the node goes deaf, with
/// the cause, and once when it hears again. With several standalone shards each has its own link and its own probe:
/// deaf on the first, the node is not ready; deaf on another, it is degraded (<see cref="ShardDeafCause"/>). On a Redis Cluster the probe's channel is sharded: it checks the link to the
/// cluster node that owns the probe channel's slot, and the loss of any other link is reported by the client.
/// </summary>
/// <remarks>
/// A probe carries the timestamp it was sent at: only a probe sent after the node went deaf proves it hears again (one
/// read from the socket before the link broke can still be dispatched after the break is reported). State is guarded
/// by <c>_lock</c>; the probe's own publish is never awaited by the loop, so a hung Redis cannot stall the watch.
/// </remarks>
internal sealed partial class RedisLinkProbe : BackgroundService
{
    private readonly RedisShards _shards;
    private readonly Link[] _links;

    public RedisLinkProbe(RedisShards shards, NodeIdentity node, TimeProvider time, ILogger<RedisLinkProbe> logger)
    {
        _shards = shards;
        _links = [.. shards.All.Select(store => new Link(store, node.Instance, time, logger))];
    }

    /// <summary>
    /// Why the node cannot hear on its receiving link to the first (or only) Redis, or null while it hears (silence within
    /// the bound included): the node is not ready.
    /// </summary>
    public string? DeafCause => _links[0].DeafCause;

    /// <summary>
    /// Why the node cannot hear on the link to another shard, or null: the node still serves every topic of the other
    /// shards, so it stays ready, degraded (the topics of that shard get <c>UNAVAILABLE</c>, their subscribers wait).
    /// </summary>
    public string? ShardDeafCause => _links.Skip(1).Select(link => link.DeafCause).FirstOrDefault(cause => cause is not null);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var link in _links)
        {
            link.Store.Connection.ConnectionFailed += link.OnConnectionFailed;
        }

        try
        {
            using var timer = new PeriodicTimer(_shards.Options.LinkProbeInterval, _links[0].Time);
            do
            {
                foreach (var link in _links)
                {
                    await link.TickAsync();
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var link in _links)
            {
                link.Store.Connection.ConnectionFailed -= link.OnConnectionFailed;
            }
        }
    }

    /// <summary>One shard's receiving link and its probe.</summary>
    private sealed class Link(RedisStore store, string instance, TimeProvider time, ILogger logger)
    {
        private readonly string _channel = store.Keys.Probe(instance);
        private KeptChannel? _kept;
        private readonly TimeSpan _timeout = store.Options.LinkProbeTimeout;
        private readonly object _lock = new();
        private long _lastHeard = time.GetTimestamp();
        private long _deafSince;
        private string? _deafCause;
        private string? _publishError;

        public RedisStore Store => store;

        public TimeProvider Time => time;

        public string? DeafCause
        {
            get
            {
                lock (_lock)
                {
                    return _deafCause;
                }
            }
        }

        public async Task TickAsync()
        {
            // Subscribed at the first tick; again after a failed subscribe, or on a Redis Cluster after its slot moved
            // (the client re-subscribes by itself after a lost connection). The silence shows the time in between.
            _kept ??= new KeptChannel(store, _channel, (_, message) =>
            {
                if (message.Message.TryParse(out long sentAt))
                {
                    Heard(sentAt);
                }
            });
            await _kept.EnsureAsync();

            _ = SendProbeAsync();
            _ = PingLinkAsync();
            Check();
        }

        private async Task SendProbeAsync()
        {
            try
            {
                await store.Db.PublishAsync(store.Channel(_channel), time.GetTimestamp());
                Volatile.Write(ref _publishError, null);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                Volatile.Write(ref _publishError, ex is RedisConnectionException connection ? connection.FailureType.ToString() : ex.GetType().Name);
            }
        }

        private void Heard(long sentAt)
        {
            var now = time.GetTimestamp();
            TimeSpan? deafFor = null;
            lock (_lock)
            {
                _lastHeard = now;
                if (_deafCause is not null && sentAt >= _deafSince)
                {
                    _deafCause = null;
                    deafFor = time.GetElapsedTime(_deafSince, now);
                }
            }

            if (deafFor is { } span)
            {
                Log.HearsAgain(logger, store.Endpoint, span.TotalSeconds);
            }
        }

        /// <summary>One tick: silent for longer than the bound makes the node deaf.</summary>
        private void Check()
        {
            var now = time.GetTimestamp();
            lock (_lock)
            {
                var silence = time.GetElapsedTime(_lastHeard, now);
                if (silence > _timeout)
                {
                    BecomeDeaf(now, Volatile.Read(ref _publishError) is { } error
                        ? $"Redis at {store.Endpoint} is unreachable: the probe could not be sent ({error})"
                        : $"nothing arrived on it for {silence.TotalSeconds:0.#} s, its own probes included, though they were sent: the link is open but does not deliver (a proxy or network path that stopped forwarding, or Redis not delivering)");
                }
            }
        }

        /// <summary>
        /// A PING on the receiving link itself. On a link that is open but delivers nothing these time out, and the client
        /// drops a connection whose commands time out while it has read nothing for four operation timeouts, then connects
        /// it again, subscribes every channel again and reports it restored: the engine resyncs from history.
        /// </summary>
        private async Task PingLinkAsync()
        {
            try
            {
                await store.Bus.PingAsync();
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // The probe's silence is what counts; a failed ping only helps the client notice a dead link.
            }
        }

        public void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
        {
            if (e.ConnectionType == ConnectionType.Subscription)
            {
                lock (_lock)
                {
                    BecomeDeaf(time.GetTimestamp(), $"its connection to {store.Endpoint} was lost ({e.FailureType}: {e.Exception?.Message ?? "closed"}); reconnecting");
                }
            }
        }

        /// <summary>Under <c>_lock</c>. The first cause of an incident is the one reported and logged.</summary>
        private void BecomeDeaf(long now, string cause)
        {
            if (_deafCause is not null)
            {
                return;
            }

            _deafCause = cause;
            _deafSince = now;
            Log.Deaf(logger, store.Endpoint, cause);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(243, LogLevel.Warning, "Redis: this node's receiving link (its pub/sub connection to {Endpoint}, which carries every topic's events) is deaf: {Cause}. The node reports not ready and repairs from history once it hears again")]
        public static partial void Deaf(ILogger logger, string endpoint, string cause);

        [LoggerMessage(244, LogLevel.Information, "Redis: this node's receiving link to {Endpoint} hears again after {Seconds:0.#} s; topics are repaired from history")]
        public static partial void HearsAgain(ILogger logger, string endpoint, double seconds);
    }
}
