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
/// client itself, fed by a PING on the link every interval (<see cref="PingLinkAsync"/>): it drops and reconnects it;
/// the engine then resyncs every topic from history, as after any reconnect. Logged once when the node goes deaf, with
/// the cause, and once when it hears again.
/// </summary>
/// <remarks>
/// A probe carries the timestamp it was sent at: only a probe sent after the node went deaf proves it hears again (one
/// read from the socket before the link broke can still be dispatched after the break is reported). State is guarded
/// by <c>_lock</c>; the probe's own publish is never awaited by the loop, so a hung Redis cannot stall the watch.
/// </remarks>
internal sealed partial class RedisLinkProbe : BackgroundService
{
    private readonly RedisStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisLinkProbe> _logger;
    private readonly RedisChannel _channel;
    private readonly TimeSpan _interval;
    private readonly TimeSpan _timeout;
    private readonly object _lock = new();
    private ChannelMessageQueue? _queue;
    private long _lastHeard;
    private long _deafSince;
    private string? _deafCause;
    private string? _publishError;

    public RedisLinkProbe(RedisStore store, NodeIdentity node, TimeProvider time, ILogger<RedisLinkProbe> logger)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _channel = store.Keys.Probe(node.Instance);
        _interval = store.Options.LinkProbeInterval;
        _timeout = store.Options.LinkProbeTimeout;
        _lastHeard = time.GetTimestamp();
    }

    /// <summary>Why the node cannot hear on its receiving link, or null while it hears (silence within the bound included).</summary>
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

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _store.Connection.ConnectionFailed += OnConnectionFailed;
        try
        {
            using var timer = new PeriodicTimer(_interval, _time);
            do
            {
                if (_queue is null)
                {
                    await SubscribeAsync();
                }

                _ = SendProbeAsync();
                _ = PingLinkAsync();
                Check();
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _store.Connection.ConnectionFailed -= OnConnectionFailed;
        }
    }

    private async Task SubscribeAsync()
    {
        try
        {
            // Once subscribed, the client subscribes the channel again on every new receiving link by itself.
            var queue = await _store.Bus.SubscribeAsync(_channel);
            queue.OnMessage(message =>
            {
                if (message.Message.TryParse(out long sentAt))
                {
                    Heard(sentAt);
                }
            });
            _queue = queue;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Redis is away: the silence shows it, and the next tick tries again.
        }
    }

    private async Task SendProbeAsync()
    {
        try
        {
            await _store.Db.PublishAsync(_channel, _time.GetTimestamp());
            Volatile.Write(ref _publishError, null);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Volatile.Write(ref _publishError, ex is RedisConnectionException connection ? connection.FailureType.ToString() : ex.GetType().Name);
        }
    }

    private void Heard(long sentAt)
    {
        var now = _time.GetTimestamp();
        TimeSpan? deafFor = null;
        lock (_lock)
        {
            _lastHeard = now;
            if (_deafCause is not null && sentAt >= _deafSince)
            {
                _deafCause = null;
                deafFor = _time.GetElapsedTime(_deafSince, now);
            }
        }

        if (deafFor is { } span)
        {
            Log.HearsAgain(_logger, _store.Endpoint, span.TotalSeconds);
        }
    }

    /// <summary>One tick: silent for longer than the bound makes the node deaf.</summary>
    private void Check()
    {
        var now = _time.GetTimestamp();
        lock (_lock)
        {
            var silence = _time.GetElapsedTime(_lastHeard, now);
            if (silence > _timeout)
            {
                BecomeDeaf(now, Volatile.Read(ref _publishError) is { } error
                    ? $"Redis at {_store.Endpoint} is unreachable: the probe could not be sent ({error})"
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
            await _store.Bus.PingAsync();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The probe's silence is what counts; a failed ping only helps the client notice a dead link.
        }
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType == ConnectionType.Subscription)
        {
            lock (_lock)
            {
                BecomeDeaf(_time.GetTimestamp(), $"its connection to {_store.Endpoint} was lost ({e.FailureType}: {e.Exception?.Message ?? "closed"}); reconnecting");
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
        Log.Deaf(_logger, _store.Endpoint, cause);
    }

    private static partial class Log
    {
        [LoggerMessage(243, LogLevel.Warning, "Redis: this node's receiving link (its pub/sub connection to {Endpoint}, which carries every topic's events) is deaf: {Cause}. The node reports not ready and repairs from history once it hears again")]
        public static partial void Deaf(ILogger logger, string endpoint, string cause);

        [LoggerMessage(244, LogLevel.Information, "Redis: this node's receiving link to {Endpoint} hears again after {Seconds:0.#} s; topics are repaired from history")]
        public static partial void HearsAgain(ILogger logger, string endpoint, double seconds);
    }
}
