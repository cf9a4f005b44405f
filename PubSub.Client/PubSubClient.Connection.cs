using System.Net.WebSockets;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace PubSub.Client;

/// <summary>
/// The connection loop: connect, subscribe again and re-send, read until the connection ends, back off, next node.
/// Frames are read and handled on this loop alone, so a subscription's position changes in frame order.
/// Over 400 lines because the loop and the frame handling share the loop's state (position, pending sends, the
/// node in use) without locks, which holds only while they are one piece of code run by one task.
/// </summary>
public sealed partial class PubSubClient
{
    // Set by the reading loop when a frame arrives, read by the heartbeat watch (Environment.TickCount64, ms).
    private long _lastFrameAt;

    // Why the heartbeat watch aborted the current connection; set before the abort, so the reading loop reports it.
    private volatile Exception? _silence;

    // True while the reading loop waits for a subscription's buffer to make room: the silence is ours, not the server's.
    private volatile bool _delivering;

    private async Task RunAsync()
    {
        var stopping = _stopping.Token;
        var attempt = 0;
        var node = 0;
        while (!stopping.IsCancellationRequested)
        {
            var url = _nodes[node].WebSocket;
            WsConnection? connection = null;
            Exception? reason = null;
            try
            {
                connection = await WsConnection.ConnectAsync(url, _options.ApiKey, _options.ConnectTimeout, stopping);
                attempt = 0;
                Log.Connected(_logger, url);
                Attach(connection);
                ConnectionChanged?.Invoke(this, new ConnectionChangedEventArgs(url, null));
                reason = await ReadAsync(connection, stopping);
            }
            catch (PubSubException refused)
            {
                reason = refused;
                Log.Refused(_logger, url, refused.Code, refused.Message);
                FailWaiters(refused);
            }
            catch (Exception ex) when (!stopping.IsCancellationRequested)
            {
                reason = ex;
                Log.ConnectFailed(_logger, url, ex.Message);
            }
            catch (OperationCanceledException)
            {
                // Disposed.
            }

            if (connection is not null)
            {
                Detach(connection);
                await connection.DisposeAsync();
                if (!stopping.IsCancellationRequested)
                {
                    Log.Disconnected(_logger, url, reason?.Message ?? "closed by the server");
                    ConnectionChanged?.Invoke(this, new ConnectionChangedEventArgs(null, reason));
                }
            }

            node = (node + 1) % _nodes.Length;
            try
            {
                await Task.Delay(Backoff(attempt++), stopping);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>
    /// The delay before reconnect attempt <paramref name="attempt"/>: the base delay doubled per attempt, capped, then a
    /// random part of it taken away ("equal jitter"), so clients cut off together do not come back together.
    /// </summary>
    internal TimeSpan Backoff(int attempt)
    {
        var ceiling = Math.Min(_options.MaxReconnectDelay.TotalMilliseconds, _options.ReconnectDelay.TotalMilliseconds * Math.Pow(2, Math.Min(attempt, 30)));
        return TimeSpan.FromMilliseconds(ceiling / 2 + Random.Shared.NextDouble() * ceiling / 2);
    }

    /// <summary>Makes <paramref name="connection"/> current: every subscription asks again from its position, then every unacknowledged publish goes again, in call order.</summary>
    private void Attach(WsConnection connection)
    {
        lock (_gate)
        {
            _current = connection;
            Interlocked.Exchange(ref _lastFrameAt, Environment.TickCount64);
            foreach (var state in _subscriptions.Values)
            {
                SendSubscribe(connection, state);
            }

            foreach (var publish in _publishes.Values.OrderBy(p => p.Order))
            {
                SendPublish(connection, publish);
            }

            _connected.TrySetResult();
        }
    }

    private void Detach(WsConnection connection)
    {
        lock (_gate)
        {
            if (_current == connection)
            {
                _current = null;
            }

            _subscribeRequests.Clear();
            foreach (var publish in _publishes.Values)
            {
                publish.SentOn = null; // unanswered: the next connection sends it again, with its key
            }

            if (_connected.Task.IsCompleted)
            {
                _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>A node refused the key: callers waiting for a first answer are told; established subscriptions keep trying.</summary>
    private void FailWaiters(PubSubException refused)
    {
        lock (_gate)
        {
            _connected.TrySetException(refused);
            _connected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            foreach (var state in _subscriptions.Values.Where(s => !s.Position.Acked))
            {
                state.FirstAck.TrySetException(refused);
            }

            foreach (var publish in _publishes.Values)
            {
                publish.Result.TrySetException(refused);
            }
        }
    }

    // Called under _gate.
    private void SendSubscribe(WsConnection connection, SubscriptionState state)
    {
        var requestId = NextRequestId("s");
        _subscribeRequests[requestId] = state;
        state.AckedOn = null;
        SubscribeFrom request;
        lock (state.Position)
        {
            request = state.Position.Request;
        }

        connection.Send(ClientFrames.Subscribe(requestId, state.Topic, _options.ClientId, request));
    }

    // Called under _gate.
    private static void SendPublish(WsConnection connection, PendingPublish publish)
    {
        publish.SentOn = connection;
        connection.Send(publish.Frame);
    }

    /// <summary>Reads and handles frames until the connection ends; returns why, or null when the server closed it.</summary>
    private async Task<Exception?> ReadAsync(WsConnection connection, CancellationToken stopping)
    {
        using var watching = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        _silence = null;
        var watch = _options.HeartbeatTimeout > TimeSpan.Zero ? WatchAsync(connection, watching.Token) : Task.CompletedTask;
        try
        {
            while (true)
            {
                var message = await connection.ReceiveAsync(stopping);
                if (message is not { } bytes)
                {
                    return null;
                }

                Interlocked.Exchange(ref _lastFrameAt, Environment.TickCount64);
                JsonElement frame;
                try
                {
                    frame = JsonSerializer.Deserialize<JsonElement>(bytes.Span);
                }
                catch (JsonException ex)
                {
                    Log.UnreadableFrame(_logger, connection.Url, ex.Message);
                    continue;
                }

                if (await HandleAsync(connection, frame) is { } reconnect)
                {
                    return reconnect;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException || (ex is OperationCanceledException && !stopping.IsCancellationRequested))
        {
            return _silence ?? ex;
        }
        finally
        {
            await watching.CancelAsync();
            await watch.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// The heartbeat watch: after half the timeout in silence, a ping (so a server without heartbeats is not taken for
    /// dead); after the whole timeout, the connection is aborted (the reason in <see cref="_silence"/>) and the reading loop ends.
    /// </summary>
    private async Task WatchAsync(WsConnection connection, CancellationToken cancellationToken)
    {
        var timeout = (long)_options.HeartbeatTimeout.TotalMilliseconds;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Clamp(timeout / 10, 10, 1000)));
        var pingedAt = 0L;
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                var last = Interlocked.Read(ref _lastFrameAt);
                var now = Environment.TickCount64;
                if (_delivering)
                {
                    Interlocked.Exchange(ref _lastFrameAt, now);
                    continue;
                }

                if (now - last >= timeout)
                {
                    Log.Silent(_logger, connection.Url, _options.HeartbeatTimeout);
                    _silence = new TimeoutException($"no frame from {connection.Url} for {_options.HeartbeatTimeout.TotalSeconds:0.###} s");
                    connection.Abort();
                    return;
                }

                if (now - last >= timeout / 2 && pingedAt <= last)
                {
                    pingedAt = now;
                    connection.Send(ClientFrames.Ping(NextRequestId("h")));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Handles one server frame; returns a reason to drop the connection and resume on a new one, or null.</summary>
    private async ValueTask<Exception?> HandleAsync(WsConnection connection, JsonElement frame)
    {
        var type = frame.TryGetProperty("type", out var t) ? t.GetString() : null;
        var requestId = frame.TryGetProperty("request_id", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        switch (type)
        {
            case "ack" when requestId is not null:
                return OnAck(connection, requestId, frame, out var notice) && notice is not null
                    ? await DeliverAsync(SubscriptionOf(notice.Topic), notice)
                    : null;
            case "error":
                var code = frame.GetProperty("error").GetProperty("code").GetString() ?? PubSubErrorCodes.Internal;
                var text = frame.GetProperty("error").GetProperty("message").GetString() ?? code;
                return requestId is null ? OnConnectionError(connection, code, text) : await OnRequestErrorAsync(connection, requestId, code, text);
            case "event":
                return await OnEventAsync(connection, frame);
            case "info":
                return await OnInfoAsync(connection, frame);
            default:
                return null; // pong, and frames of a newer server
        }
    }

    /// <summary>An ack: a publish's result, or a subscribe's (with a notice to deliver first, when it has one).</summary>
    private bool OnAck(WsConnection connection, string requestId, JsonElement frame, out SubscriptionItem? notice)
    {
        notice = null;
        lock (_gate)
        {
            if (_publishes.TryGetValue(requestId, out var publish))
            {
                var duplicate = frame.TryGetProperty("duplicate", out var d) && d.ValueKind == JsonValueKind.True;
                publish.Result.TrySetResult(new PublishResult(
                    publish.Topic,
                    frame.TryGetProperty("id", out var id) ? id.GetString() ?? "" : "",
                    frame.TryGetProperty("seq", out var seq) ? seq.GetInt64() : 0,
                    duplicate));
                _publishes.Remove(requestId);
                return false;
            }

            if (!_subscribeRequests.Remove(requestId, out var state) || !_subscriptions.TryGetValue(state.Topic, out var current) || current != state)
            {
                return false; // an unsubscribe's ack, or a subscription disposed meanwhile
            }

            lock (state.Position)
            {
                var epoch = frame.TryGetProperty("epoch", out var e) ? e.GetString() ?? "" : "";
                var latest = frame.TryGetProperty("seq", out var s) ? s.GetInt64() : 0;
                var gap = frame.TryGetProperty("gap", out var g) && g.ValueKind == JsonValueKind.True;
                notice = state.Position.OnAck(epoch, latest, gap);
            }

            state.AckedOn = connection;
            state.FirstAck.TrySetResult();
            return true;
        }
    }

    private async ValueTask<Exception?> OnRequestErrorAsync(WsConnection connection, string requestId, string code, string text)
    {
        SubscriptionState? state;
        lock (_gate)
        {
            if (_publishes.TryGetValue(requestId, out var publish))
            {
                if (code == PubSubErrorCodes.Unavailable)
                {
                    // May or may not have been carried out: sent again later with the same key, so it is carried out once.
                    publish.SentOn = null;
                    Log.PublishRetry(_logger, publish.Topic, text);
                    _ = RetryAsync(publish, Backoff(publish.Refusals++));
                }
                else
                {
                    _publishes.Remove(requestId);
                    publish.Result.TrySetException(new PubSubException(code, text));
                }

                return null;
            }

            if (!_subscribeRequests.Remove(requestId, out state) || !_subscriptions.TryGetValue(state.Topic, out var current) || current != state)
            {
                return null;
            }

            if (!state.Position.Acked)
            {
                // The first subscribe: the caller of SubscribeAsync gets the refusal.
                _subscriptions.Remove(state.Topic);
                state.FirstAck.TrySetException(new PubSubException(code, text));
                return null;
            }
        }

        // Subscribing again after a reconnect.
        switch (code)
        {
            case PubSubErrorCodes.TopicNotFound:
                await EndAsync(state, new TopicDeletedNotice(state.Topic), null);
                return null;
            case PubSubErrorCodes.Unavailable or PubSubErrorCodes.RateLimited or PubSubErrorCodes.Internal or PubSubErrorCodes.LimitExceeded:
                return new PubSubException(code, $"subscribing to '{state.Topic}' again on {connection.Url}: {text}");
            default:
                Log.ResumeRefused(_logger, state.Topic, code, text);
                await EndAsync(state, null, new PubSubException(code, text));
                return null;
        }
    }

    private async Task RetryAsync(PendingPublish publish, TimeSpan delay)
    {
        try
        {
            await Task.Delay(delay, _stopping.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        lock (_gate)
        {
            if (_publishes.ContainsKey(publish.RequestId) && publish.SentOn is null && _current is { } connection)
            {
                SendPublish(connection, publish);
            }
        }
    }

    /// <summary>An error not tied to a request: a slow-consumer report means events were dropped, so resume elsewhere.</summary>
    private Exception? OnConnectionError(WsConnection connection, string code, string text)
    {
        Log.ServerError(_logger, connection.Url, code, text);
        return code == PubSubErrorCodes.SlowConsumer ? new PubSubException(code, text) : null;
    }

    private async ValueTask<Exception?> OnEventAsync(WsConnection connection, JsonElement frame)
    {
        var topic = frame.GetProperty("topic").GetString()!;
        var seq = frame.GetProperty("seq").GetInt64();
        var state = SubscriptionOf(topic);
        if (state is null || state.AckedOn != connection)
        {
            return null;
        }

        EventDecision decision;
        GapNotice? gap;
        string epoch;
        lock (state.Position)
        {
            decision = state.Position.OnEvent(seq, out gap);
            epoch = state.Position.Epoch ?? "";
        }

        switch (decision)
        {
            case EventDecision.Duplicate:
                return null;
            case EventDecision.Hole:
                Log.Hole(_logger, topic, seq);
                return new InvalidOperationException($"events of '{topic}' before seq {seq} were not delivered; resuming from history");
        }

        if (gap is not null && await DeliverAsync(state, gap) is { } failed)
        {
            return failed;
        }

        var message = frame.GetProperty("message");
        var ts = frame.TryGetProperty("ts", out var t) && t.TryGetDateTimeOffset(out var parsed) ? parsed : default;
        var payload = message.TryGetProperty("payload", out var p) ? p : default;
        var id = message.TryGetProperty("id", out var i) ? i.GetString() ?? "" : "";
        return await DeliverAsync(state, new PubSubMessage(topic, id, seq, epoch, payload, ts));
    }

    private async ValueTask<Exception?> OnInfoAsync(WsConnection connection, JsonElement frame)
    {
        var msg = frame.TryGetProperty("msg", out var m) ? m.GetString() : null;
        var topic = frame.TryGetProperty("topic", out var t) ? t.GetString() : null;
        var state = topic is null ? null : SubscriptionOf(topic);
        switch (msg)
        {
            case "gap" when state is not null && state.AckedOn == connection:
                GapNotice? gap;
                lock (state.Position)
                {
                    gap = state.Position.OnGap(frame.GetProperty("from_seq").GetInt64(), frame.GetProperty("to_seq").GetInt64());
                }

                return gap is null ? null : await DeliverAsync(state, gap);
            case "reset" when state is not null && state.AckedOn == connection:
                ResetNotice? reset;
                lock (state.Position)
                {
                    reset = state.Position.OnReset(frame.GetProperty("epoch").GetString() ?? "", frame.GetProperty("seq").GetInt64());
                }

                return reset is null ? null : await DeliverAsync(state, reset);
            case "topic_deleted" when state is not null && state.AckedOn == connection:
                await EndAsync(state, new TopicDeletedNotice(state.Topic), null);
                return null;
            case "server_shutdown" or "disconnected":
                Log.ServerClosing(_logger, connection.Url, msg, frame.TryGetProperty("reason", out var why) ? why.GetString() : null);
                return null; // the close follows
            default:
                return null; // the heartbeat, and notices of a newer server
        }
    }

    private SubscriptionState? SubscriptionOf(string topic)
    {
        lock (_gate)
        {
            return _subscriptions.GetValueOrDefault(topic);
        }
    }

    /// <summary>Hands <paramref name="item"/> to the application, waiting for room in the subscription's buffer.</summary>
    private async ValueTask<Exception?> DeliverAsync(SubscriptionState? state, SubscriptionItem item)
    {
        if (state is null)
        {
            return null;
        }

        if (state.Items.Writer.TryWrite(item))
        {
            return null;
        }

        _delivering = true;
        try
        {
            await state.Items.Writer.WriteAsync(item, _stopping.Token);
        }
        catch (ChannelClosedException)
        {
            // Disposed by the application meanwhile.
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        finally
        {
            _delivering = false;
        }

        return null;
    }

    /// <summary>Ends a subscription: its last notice (if any), then the end of its stream (or <paramref name="error"/>).</summary>
    private async ValueTask EndAsync(SubscriptionState state, SubscriptionItem? last, Exception? error)
    {
        lock (_gate)
        {
            if (_subscriptions.TryGetValue(state.Topic, out var current) && current == state)
            {
                _subscriptions.Remove(state.Topic);
            }
        }

        if (last is not null)
        {
            await DeliverAsync(state, last);
        }

        state.Items.Writer.TryComplete(error);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Connected to {Url}")]
        public static partial void Connected(ILogger logger, Uri url);

        [LoggerMessage(2, LogLevel.Warning, "Connection to {Url} lost: {Reason}; reconnecting")]
        public static partial void Disconnected(ILogger logger, Uri url, string reason);

        [LoggerMessage(3, LogLevel.Warning, "Could not connect to {Url}: {Reason}; trying the next address")]
        public static partial void ConnectFailed(ILogger logger, Uri url, string reason);

        [LoggerMessage(4, LogLevel.Error, "{Url} refused the connection: {Code}: {Message}")]
        public static partial void Refused(ILogger logger, Uri url, string code, string message);

        [LoggerMessage(5, LogLevel.Warning, "Nothing received from {Url} for {Timeout}; taking the connection for dead")]
        public static partial void Silent(ILogger logger, Uri url, TimeSpan timeout);

        [LoggerMessage(6, LogLevel.Warning, "Events of {Topic} before seq {Seq} did not arrive; resuming on a new connection")]
        public static partial void Hole(ILogger logger, string topic, long seq);

        [LoggerMessage(7, LogLevel.Warning, "Publish to {Topic} answered UNAVAILABLE ({Message}); sending it again with its idempotency key")]
        public static partial void PublishRetry(ILogger logger, string topic, string message);

        [LoggerMessage(8, LogLevel.Error, "Subscribing to {Topic} again was refused: {Code}: {Message}; the subscription ends")]
        public static partial void ResumeRefused(ILogger logger, string topic, string code, string message);

        [LoggerMessage(9, LogLevel.Warning, "{Url} reported {Code}: {Message}")]
        public static partial void ServerError(ILogger logger, Uri url, string code, string message);

        [LoggerMessage(10, LogLevel.Information, "{Url} is closing the connection ({Notice} {Reason})")]
        public static partial void ServerClosing(ILogger logger, Uri url, string notice, string? reason);

        [LoggerMessage(11, LogLevel.Warning, "Unreadable frame from {Url}: {Reason}")]
        public static partial void UnreadableFrame(ILogger logger, Uri url, string reason);
    }
}
