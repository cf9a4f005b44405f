using System.Buffers;
using System.Net.WebSockets;
using PubSub.Core;
using PubSub.Core.Delivery;
using PubSub.Core.Access;
using PubSub.Server.Hosting;

namespace PubSub.Server.WebSockets;

/// <summary>
/// One <c>/ws</c> connection: a receive loop that turns frames into broker calls, in the order they arrive
/// (so one connection's publishes keep their order), and a send loop that drains the connection's bounded
/// queue into the socket. Only the send loop writes to the socket, close frames included. Replies, events and
/// errors are written by the configured dialect (<see cref="IWsDialect"/>); everything else here is the same for every dialect.
/// </summary>
internal sealed partial class WsSession(
    WebSocket socket,
    BatchingStream stream,
    HttpContext http,
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

    private FrameWatch? _frameWatch;

    private WsPublishPipeline? _pipeline;

    /// <summary>Publishes sent to the store and not answered yet, replied to in request order.</summary>
    private WsPublishPipeline _publishes => _pipeline ??= new WsPublishPipeline(broker.Options, Reply, ErrorReply, dialect, time);

    private readonly AbortDeadline _deadline = new(time, shutdown.FlushTimeout + CloseHandshakeTimeout, http.Abort);

    public async Task RunAsync(CancellationToken stopping)
    {
        connection.Outbound.Overflowed += _deadline.Arm;
        connection.CloseRequested += _deadline.Arm;
        _frameWatch = new FrameWatch(time, options.FrameTimeout, OnFrameTimeout);
        using var stopRegistration = stopping.Register(BeginShutdown);
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
                    http.Abort();
                }
            }
            else
            {
                // We closed (shutdown, slow consumer, oversized frame) or the socket broke: give the client a
                // moment to answer the close frame, then drop the TCP connection.
                broker.Disconnect(connection);
                if (!await Completes(receive, CloseHandshakeTimeout))
                {
                    http.Abort();
                }
            }
        }
        finally
        {
            broker.Disconnect(connection);
            await Task.WhenAll(send, receive).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            _deadline.End();
            _frameWatch.End();
            limits.Dispose();
        }
    }

    private void BeginShutdown()
    {
        _shuttingDown = true;
        _closeStatus = (int)WebSocketCloseStatus.EndpointUnavailable;
        connection.Outbound.Complete(OutboundFrame.Shutdown);
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
        var queue = connection.Outbound;
        try
        {
            await SendGreetingAsync();
            while (await queue.WaitToReadAsync())
            {
                // Drained into a pooled array, so an idle connection holds no batch.
                var batch = ArrayPool<OutboundFrame>.Shared.Rent(MaxBatch);
                var count = queue.Drain(batch.AsSpan(0, MaxBatch));
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
                                bytes = WsFrames.Gap(frame.Topic!, frame.Gap!, time.GetUtcNow());
                                break;
                            case OutboundKind.Reset:
                                bytes = WsFrames.Reset(frame.Topic!, frame.Reset!, time.GetUtcNow());
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
            queue.Complete();
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
                await connection.Outbound.WaitForReplyRoomAsync();

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
                    if (!result.EndOfMessage)
                    {
                        _frameWatch!.Arm();
                    }

                    while (!result.EndOfMessage)
                    {
                        if (count == buffer.Length)
                        {
                            var grown = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, max + 1));
                            buffer.AsSpan(0, count).CopyTo(grown);
                            ArrayPool<byte>.Shared.Return(buffer);
                            buffer = grown;
                        }

                        result = await socket.ReceiveAsync(buffer.AsMemory(count, Math.Min(buffer.Length, max + 1) - count), CancellationToken.None);
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

                    _frameWatch!.Disarm();
                    if (_shuttingDown)
                    {
                        continue; // no new requests once shutdown began
                    }

                    if (result.MessageType == WebSocketMessageType.Binary)
                    {
                        Reply(dialect.Error(null, "BAD_REQUEST", "binary frames are not supported: send JSON text frames", time.GetUtcNow()));
                        continue;
                    }

                    await HandleAsync(buffer, count);
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
        connection.Outbound.Complete();

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
        connection.Outbound.Complete();
        _deadline.Arm();
    }

    private void Reply(byte[] frame) => connection.Outbound.TryEnqueue(OutboundFrame.ForReply(frame));

    private async Task HandleAsync(byte[] buffer, int count)
    {
        if (!WsRequestParser.TryParse(buffer.AsSpan(0, count), broker.Options.History.Capacity, out var request, out var error))
        {
            await _publishes.DrainAsync();
            Reply(dialect.Error(IsTooLong(error.RequestId) ? null : error.RequestId, "BAD_REQUEST", error.Message, time.GetUtcNow()));
            return;
        }

        var rid = request!.RequestId;
        if (IsTooLong(rid))
        {
            // Not echoed: keeping it off the wire is what the limit is for.
            var max = broker.Options.Limits.MaxIdLength;
            Reply(dialect.Error(null, PubSubException.LimitExceeded("request_id too long", "PubSub:Limits:MaxIdLength", max), time.GetUtcNow()));
            return;
        }

        try
        {
            if (request.Type != WsRequestType.Publish)
            {
                // Replies go out in request order: publishes still waiting for their store answer first.
                await _publishes.DrainAsync();
            }

            // Every request takes a token of its kind, from this connection's bucket and its key's (RateLimiting).
            if (request.Type == WsRequestType.Publish)
            {
                limits.Publish();
            }
            else
            {
                limits.Control();
            }

            switch (request.Type)
            {
                case WsRequestType.Ping:
                    Reply(dialect.Pong(rid, time.GetUtcNow()));
                    break;

                case WsRequestType.Subscribe:
                    Authorize(PubSubOperation.Subscribe, request.Topic!);
                    var replay = request.SinceSeq is { } since ? ReplayRequest.Since(since, request.Epoch) : ReplayRequest.Last(request.LastN ?? 0);
                    await broker.SubscribeAsync(
                        connection,
                        request.Topic,
                        request.ClientId!,
                        replay,
                        outcome => OutboundFrame.ForReply(dialect.Subscribed(request, outcome, time.GetUtcNow())));
                    break;

                case WsRequestType.Unsubscribe:
                    Authorize(PubSubOperation.Subscribe, request.Topic!);
                    await broker.UnsubscribeAsync(connection, request.Topic, OutboundFrame.ForReply(dialect.Unsubscribed(request, time.GetUtcNow())));
                    break;

                case WsRequestType.Publish:
                    Authorize(PubSubOperation.Publish, request.Topic!);
                    if (dialect.RepliesBeforeOwnEvent)
                    {
                        await PublishReplyFirstAsync(request);
                        break;
                    }

                    var publishing = broker.PublishAsync(request.Topic, Draft(request));
                    if (publishing.IsCompleted || !_publishes.CanPipeline(dialect.Rules))
                    {
                        await _publishes.DrainAsync();
                        Reply(dialect.Published(request, await publishing, time.GetUtcNow()));
                    }
                    else
                    {
                        // The store has the request; read the next one while it answers (see WsPublishPipeline).
                        await _publishes.AddAsync(publishing, request);
                    }

                    break;
            }
        }
        catch (Exception ex) when (!IsDisconnect(ex))
        {
            Reply(ErrorReply(rid, ex));
        }
    }

    // The reply's place is taken in the queue before the publish can queue the message's own event; the send loop
    // waits there for the outcome (never a fault: a failure is the error reply).
    private async Task PublishReplyFirstAsync(WsRequest request)
    {
        await _publishes.DrainAsync();
        var reply = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.Outbound.TryEnqueue(OutboundFrame.ForReply(reply.Task));
        try
        {
            var receipt = await broker.PublishAsync(request.Topic, Draft(request));
            reply.SetResult(dialect.Published(request, receipt, time.GetUtcNow()));
        }
        catch (Exception ex) when (!IsDisconnect(ex))
        {
            reply.SetResult(ErrorReply(request.RequestId, ex));
        }
        finally
        {
            if (!reply.Task.IsCompleted)
            {
                // The connection went while the store answered: the send loop must not wait for ever.
                reply.TrySetResult([]);
            }
        }
    }

    private MessageDraft Draft(WsRequest request) =>
        new(request.MessageId, request.Payload, request.ClientId) { Rules = dialect.Rules, User = http.User, IdempotencyKey = request.IdempotencyKey };

    /// <summary>The reply to a request that failed: its error code, or INTERNAL (logged) for anything unexpected.</summary>
    private byte[] ErrorReply(byte[]? rid, Exception ex)
    {
        if (ex is PubSubException refused)
        {
            return dialect.Error(rid, refused, time.GetUtcNow());
        }

        Log.RequestFailed(logger, ex, connection.Id);
        return dialect.Error(rid, "INTERNAL", "internal error; the request was not carried out", time.GetUtcNow());
    }

    // The request_id as sent (raw JSON, a string's quotes included) against PubSub:Limits:MaxIdLength characters.
    private bool IsTooLong(byte[]? requestId) =>
        requestId is not null && requestId.Length > broker.Options.Limits.MaxIdLength + 2
        && System.Text.Encoding.UTF8.GetCharCount(requestId) - 2 > broker.Options.Limits.MaxIdLength;

    private void Authorize(PubSubOperation operation, string topic) => keys.Demand(http.User, operation, topic);

    private static bool IsDisconnect(Exception ex) =>
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

        [LoggerMessage(103, LogLevel.Error, "Request on connection {ConnectionId} failed")]
        public static partial void RequestFailed(ILogger logger, Exception exception, string connectionId);
    }
}
