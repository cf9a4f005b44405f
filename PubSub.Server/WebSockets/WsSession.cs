using System.Buffers;
using System.Net.WebSockets;
using PubSub.Core;
using PubSub.Core.Delivery;
using PubSub.Core.Access;
using PubSub.Server.Hosting;

namespace PubSub.Server.WebSockets;

/// <summary>
/// One <c>/ws</c> connection's life: a receive loop that reads whole messages (bounded in size and time) and hands them,
/// in the order they arrive, to the connection's <see cref="WsRequestHandler"/> (so one connection's publishes keep their
/// order), and a send loop that drains the connection's bounded queue into the socket. Only the send loop writes to the socket, close frames included. Replies, events and
/// errors are written by the configured dialect (<see cref="IWsDialect"/>); everything else here is the same for every dialect.
/// </summary>
internal sealed partial class WsSession(
    WebSocket socket,
    BatchingStream stream,
    System.Security.Claims.ClaimsPrincipal user,
    Action abort,
    BrokerConnection connection,
    PubSubBroker broker,
    IPubSubAuthorizer keys,
    WsEndpointOptions options,
    IWsDialect dialect,
    ShutdownOptions shutdown,
    ConnectionLimits limits,
    TimeProvider time,
    ILogger logger)
{
    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(2);

    // Frames taken from the queue per wake-up (the rest wait for the next round, behind this batch's write).
    private const int MaxBatch = 256;

    // Set before the queue is completed; read by the send loop after it drains. 0 means a normal close.
    private volatile int _closeStatus;
    private volatile bool _shuttingDown;
    private volatile string? _closeReason; // overrides CloseText for the close frame

    // Made on the first message that has to wait for its rest: most messages arrive whole, and an idle connection
    // keeps no timer (docs/benchmarks.md, "Idle connections (round 2)").
    private FrameWatch? _frameWatch;

    private readonly WsRequestHandler _requests = new(connection, broker, keys, dialect, limits, user, time, logger);

    private readonly AbortDeadline _deadline = new(time, shutdown.FlushTimeout + CloseHandshakeTimeout, abort);

    /// <summary>Runs the session to its end, and disposes the socket then.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        using var _ = socket;
        Action arm = _deadline.Arm; // one delegate for both events
        connection.Overflowed += arm;
        connection.CloseRequested += arm;
        using var stopRegistration = stopping.Register(static s => ((WsSession)s!).BeginShutdown(), this);
        var send = SendLoopAsync();
        var receive = ReceiveLoopAsync();
        try
        {
            if (await Task.WhenAny(send, receive) == receive)
            {
                // The client closed, vanished or was refused: flush what is queued (bounded), then the close.
                broker.Disconnect(connection);
                if (!await Completes(send, shutdown.FlushTimeout + CloseHandshakeTimeout))
                {
                    abort();
                }
            }
            else
            {
                // We closed (shutdown, slow consumer, oversized frame) or the socket broke: give the client a
                // moment to answer the close frame, then drop the TCP connection.
                broker.Disconnect(connection);
                if (!await Completes(receive, CloseHandshakeTimeout))
                {
                    abort();
                }
            }
        }
        finally
        {
            broker.Disconnect(connection);
            await Task.WhenAll(send, receive).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _deadline.End();
            _frameWatch?.End();
        }
    }

    private void BeginShutdown()
    {
        _shuttingDown = true;
        _closeStatus = (int)WebSocketCloseStatus.EndpointUnavailable;
        connection.Complete(OutboundFrame.Shutdown);
        _deadline.Arm();
    }

    private static async Task<bool> Completes(Task task, TimeSpan timeout)
    {
        await task.WaitAsync(timeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        return task.IsCompleted;
    }

    // ---- sending ----

    private async Task SendLoopAsync()
    {
        try
        {
            await SendGreetingAsync();
            while (await connection.WaitToReadAsync())
            {
                // Drained into a pooled array, so an idle connection holds no batch.
                var batch = ArrayPool<OutboundFrame>.Shared.Rent(MaxBatch);
                var count = connection.Drain(batch.AsSpan(0, MaxBatch));
                var events = 0;

                // Every frame of the batch goes into one buffer and out in one write at the end. The frames are
                // ready-made wire bytes (WireFrame); the WebSocket object only sends control frames and the close.
                await stream.BeginBatchAsync();
                try
                {
                    for (var i = 0; i < count; i++)
                    {
                        var frame = batch[i];
                        byte[] bytes;
                        switch (frame.Kind)
                        {
                            case OutboundKind.Event:
                                bytes = frame.Message!.GetEncoded(dialect.Events);
                                events++;
                                break;
                            case OutboundKind.Reply when frame.Reply is Task<byte[]> pending:
                                bytes = await AwaitReplyAsync(pending);
                                break;
                            case OutboundKind.Reply:
                                bytes = (byte[])frame.Reply!;
                                break;
                            case OutboundKind.TopicDeleted:
                                bytes = WsFrames.Info("topic_deleted", frame.Topic, time.GetUtcNow());
                                break;
                            case OutboundKind.SlowConsumer:
                                bytes = dialect.Error(null, "SLOW_CONSUMER", SlowConsumerNotice.Text(frame, broker.Options.Queue.Capacity), time.GetUtcNow());
                                if (frame.Fatal)
                                {
                                    _closeStatus = (int)WebSocketCloseStatus.PolicyViolation;
                                    Log.SlowConsumerDisconnected(logger, connection.Id, frame.Count);
                                }

                                break;
                            case OutboundKind.Heartbeat:
                                bytes = WsFrames.Info("ping", null, time.GetUtcNow());
                                break;
                            case OutboundKind.Gap:
                                bytes = WsFrames.Gap(frame.Topic!, frame.Gap, time.GetUtcNow());
                                break;
                            case OutboundKind.Reset:
                                bytes = WsFrames.Reset(frame.Topic!, frame.Reset, time.GetUtcNow());
                                break;
                            case OutboundKind.Disconnected:
                                bytes = WsFrames.Disconnected(frame.Reason!, time.GetUtcNow());
                                _closeStatus = (int)WebSocketCloseStatus.PolicyViolation;
                                _closeReason = "disconnected by an operator";
                                break;
                            default:
                                bytes = WsFrames.Info("server_shutdown", null, time.GetUtcNow());
                                _closeStatus = (int)WebSocketCloseStatus.EndpointUnavailable;
                                break;
                        }

                        if (stream.Append(bytes))
                        {
                            await stream.FlushBatchAsync();
                        }
                    }
                }
                finally
                {
                    await stream.EndBatchAsync();
                }

                connection.CountDelivered(events);
                batch.AsSpan(0, count).Clear();
                ArrayPool<OutboundFrame>.Shared.Return(batch);
            }

            if (socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                var status = _closeStatus == 0 ? WebSocketCloseStatus.NormalClosure : (WebSocketCloseStatus)_closeStatus;
                await socket.CloseOutputAsync(status, _closeReason ?? CloseText(status), CancellationToken.None);
            }
        }
        catch (Exception ex) when (IsDisconnect(ex))
        {
            // The client went away mid-send; the receive loop sees the same and the session ends.
        }
        finally
        {
            // Nothing more will be read from the queue: refuse further enqueues so nothing piles up.
            connection.Complete();
        }
    }

    // A reply queued before its publish started (IWsDialect.RepliesBeforeOwnEvent): what the batch holds goes out and
    // the gate is free for control frames while the store answers; nothing queued behind the reply overtakes it.
    private async ValueTask<byte[]> AwaitReplyAsync(Task<byte[]> pending)
    {
        if (!pending.IsCompleted)
        {
            await stream.EndBatchAsync();
            await pending;
            await stream.BeginBatchAsync();
        }

        return await pending;
    }

    // The dialect's frame on connect goes out before anything queued: only this loop writes, so nothing can precede it.
    private async Task SendGreetingAsync()
    {
        if (dialect.Greeting(time.GetUtcNow()) is { } greeting)
        {
            await stream.BeginBatchAsync();
            try
            {
                stream.Append(greeting);
            }
            finally
            {
                await stream.EndBatchAsync();
            }
        }
    }


    private static string CloseText(WebSocketCloseStatus status) => status switch
    {
        WebSocketCloseStatus.EndpointUnavailable => "server shutdown",
        WebSocketCloseStatus.PolicyViolation => "slow consumer",
        WebSocketCloseStatus.MessageTooBig => "frame too large",
        _ => "bye",
    };

    // ---- receiving ----

    private async Task ReceiveLoopAsync()
    {
        var max = broker.Options.Limits.MaxMessageBytes;
        try
        {
            while (true)
            {
                // A client whose replies back up (it sends faster than it reads) is not read from until they drain.
                await connection.WaitForReplyRoomAsync();

                // Wait for the next message without holding a buffer: an idle connection costs no receive memory.
                var peek = await socket.ReceiveAsync(Memory<byte>.Empty, CancellationToken.None);
                if (peek.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }

                var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(4096, max + 1));
                try
                {
                    var count = 0;
                    var result = peek; // an empty message is complete already; any other is not
                    var armed = false;
                    while (!result.EndOfMessage)
                    {
                        if (count == buffer.Length)
                        {
                            var grown = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, max + 1));
                            buffer.AsSpan(0, count).CopyTo(grown);
                            ArrayPool<byte>.Shared.Return(buffer);
                            buffer = grown;
                        }

                        var receiving = socket.ReceiveAsync(buffer.AsMemory(count, Math.Min(buffer.Length, max + 1) - count), CancellationToken.None);
                        if (!armed && !receiving.IsCompleted)
                        {
                            // The message is unfinished and its rest has not arrived: from here its time is bounded.
                            (_frameWatch ??= new FrameWatch(time, options.FrameTimeout, OnFrameTimeout)).Arm();
                            armed = true;
                        }

                        result = await receiving;
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            return;
                        }

                        count += result.Count;
                        if (count > max)
                        {
                            await RefuseOversizedAsync();
                            return;
                        }
                    }

                    if (armed)
                    {
                        _frameWatch!.Disarm();
                    }

                    if (_shuttingDown)
                    {
                        continue; // no new requests once shutdown began
                    }

                    if (result.MessageType == WebSocketMessageType.Binary)
                    {
                        Reply(dialect.Error(null, "BAD_REQUEST", "binary frames are not supported: send JSON text frames", time.GetUtcNow()));
                        continue;
                    }

                    await _requests.HandleAsync(buffer, count);
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        catch (Exception ex) when (IsDisconnect(ex))
        {
            // Client vanished.
        }
    }

    private async Task RefuseOversizedAsync()
    {
        Log.FrameTooLarge(logger, connection.Id, broker.Options.Limits.MaxMessageBytes);
        Reply(dialect.Error(null, "BAD_REQUEST", $"frame exceeds the {broker.Options.Limits.MaxMessageBytes}-byte limit", time.GetUtcNow()));
        _closeStatus = (int)WebSocketCloseStatus.MessageTooBig;
        connection.Complete();

        // Read and discard until the client answers our close frame, so it reads the error and the close
        // before its socket is torn down (the session aborts this after a short wait).
        var sink = new byte[4096];
        while ((await socket.ReceiveAsync(sink.AsMemory(), CancellationToken.None)).MessageType != WebSocketMessageType.Close)
        {
        }
    }

    // A message left unfinished past PubSub:WebSocket:FrameTimeout: tell the client, close 1008, abort if it does not answer.
    private void OnFrameTimeout()
    {
        Log.FrameTimedOut(logger, connection.Id, options.FrameTimeout);
        Reply(dialect.Error(null, "BAD_REQUEST", $"message left unfinished for {options.FrameTimeout.TotalSeconds:0.###} s (PubSub:WebSocket:FrameTimeout)", time.GetUtcNow()));
        _closeReason = "frame unfinished too long";
        _closeStatus = (int)WebSocketCloseStatus.PolicyViolation;
        connection.Complete();
        _deadline.Arm();
    }

    private void Reply(byte[] frame) => _requests.Reply(frame);

    internal static bool IsDisconnect(Exception ex) =>
        ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException
            or Microsoft.AspNetCore.Connections.ConnectionAbortedException or Microsoft.AspNetCore.Connections.ConnectionResetException;

    private static partial class Log
    {
        [LoggerMessage(101, LogLevel.Warning, "Connection {ConnectionId} sent a frame over {Limit} bytes; closing with 1009")]
        public static partial void FrameTooLarge(ILogger logger, string connectionId, int limit);

        [LoggerMessage(102, LogLevel.Warning, "Connection {ConnectionId} is a slow consumer: {Dropped} events dropped, disconnecting")]
        public static partial void SlowConsumerDisconnected(ILogger logger, string connectionId, long dropped);

        [LoggerMessage(104, LogLevel.Information, "Connection {ConnectionId} left a message unfinished for {Timeout}; closing with 1008")]
        public static partial void FrameTimedOut(ILogger logger, string connectionId, TimeSpan timeout);
    }
}
