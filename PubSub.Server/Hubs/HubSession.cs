using System.Buffers;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using PubSub.Core;
using PubSub.Core.Delivery;
using PubSub.Server.Api;
using PubSub.Server.Hosting;

namespace PubSub.Server.Hubs;

/// <summary>
/// One <c>/hubs/pubsub</c> connection as the broker sees it: its <see cref="BrokerConnection"/> and the one send
/// loop that drains that connection's bounded queue into the SignalR connection. Publishers only ever enqueue;
/// only this loop writes <c>Event</c>, <c>Info</c> and <c>Error</c> calls, straight to this one connection
/// (never through SignalR groups, whose sends wait for every member).
/// </summary>
internal sealed partial class HubSession
{
    /// <summary>The key of the session in the connection's <c>Items</c>.</summary>
    public static readonly object ItemKey = new();

    private static readonly TimeSpan CloseHandshakeTimeout = TimeSpan.FromSeconds(2);

    // Frames taken from the queue per wake-up (the rest wait for the next round, behind this batch's write).
    private const int MaxBatch = 256;

    private readonly HubConnectionContext _hub;
    private readonly PubSubBroker _broker;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private Task _sendLoop = Task.CompletedTask;
    private readonly AbortDeadline _deadline;

    public HubSession(HubConnectionContext hub, PubSubBroker broker, ShutdownOptions shutdown, RateLimiting limits, TimeProvider time, ILogger logger)
    {
        _hub = hub;
        _broker = broker;
        _time = time;
        _logger = logger;
        _deadline = new AbortDeadline(time, shutdown.FlushTimeout + CloseHandshakeTimeout, hub.Abort);
        Limits = limits.ForConnection(hub.User);
        var http = hub.GetHttpContext();
        Connection = broker.Connect("signalr", http?.Connection.RemoteIpAddress?.ToString(), http?.Request.Headers.UserAgent.ToString(), hub.User);
    }

    public BrokerConnection Connection { get; }

    /// <summary>This connection's rate limits and its key's: every invocation takes a token.</summary>
    public ConnectionLimits Limits { get; }

    /// <summary>Ends when the send loop has written its last frame (and, after a close, the client has gone or was dropped).</summary>
    public Task SendLoop => _sendLoop;

    public static HubSession Of(HubCallerContext context) =>
        context.Items.TryGetValue(ItemKey, out var session) ? (HubSession)session! : throw new InvalidOperationException("no PubSub session on this hub connection");

    public void Start()
    {
        Connection.Overflowed += _deadline.Arm;
        Connection.CloseRequested += _deadline.Arm;
        _sendLoop = SendLoopAsync();
    }

    /// <summary>Graceful shutdown: flush what is queued, then <c>Info</c> <c>server_shutdown</c>, then close. Bounded by the flush timeout.</summary>
    public void BeginShutdown()
    {
        Connection.Complete(OutboundFrame.Shutdown);
        _deadline.Arm();
    }

    /// <summary>The SignalR connection ended: unsubscribe everything and let the send loop finish.</summary>
    public async Task StopAsync()
    {
        _broker.Disconnect(Connection);
        await _sendLoop.WaitAsync(CloseHandshakeTimeout).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _deadline.End();
    }

    private async Task SendLoopAsync()
    {
        string? closeError = null;
        var close = false;
        try
        {
            while (await Connection.WaitToReadAsync())
            {
                // Drained into a pooled array, so an idle connection holds no batch.
                var batch = ArrayPool<OutboundFrame>.Shared.Rent(MaxBatch);
                var count = Connection.Drain(batch.AsSpan(0, MaxBatch));
                var events = 0;
                for (var i = 0; i < count; i++)
                {
                    var frame = batch[i];
                    switch (frame.Kind)
                    {
                        case OutboundKind.Event:
                            // This event and the ones right behind it go out in one write and one flush.
                            var first = i;
                            while (i + 1 < count && batch[i + 1].Kind == OutboundKind.Event)
                            {
                                i++;
                            }

                            await WriteEventsAsync(batch, first, i + 1 - first);
                            events += i + 1 - first;
                            break;
                        case OutboundKind.Reply when frame.Reply is HubBarrier barrier:
                            barrier.MarkReached();
                            await barrier.Released.WaitAsync(_hub.ConnectionAborted);
                            break;
                        case OutboundKind.TopicDeleted:
                            await WriteInfoAsync("topic_deleted", frame.Topic);
                            break;
                        case OutboundKind.SlowConsumer:
                            var text = SlowConsumerNotice.Text(frame, _broker.Options.Queue.Capacity);
                            await WriteAsync(nameof(IPubSubClient.Error), new HubError { Code = "SLOW_CONSUMER", Message = text, Ts = Now() });
                            if (frame.Fatal)
                            {
                                Log.SlowConsumerDisconnected(_logger, Connection.Id, frame.Count);
                                close = true;
                                closeError = "SLOW_CONSUMER: " + text;
                            }

                            break;
                        case OutboundKind.Heartbeat:
                            await WriteInfoAsync("ping", null);
                            break;
                        case OutboundKind.Gap:
                            await WriteAsync(nameof(IPubSubClient.Info), new HubInfo { Msg = "gap", Topic = frame.Topic, FromSeq = frame.Gap.FromSeq, ToSeq = frame.Gap.ToSeq, Ts = Now() });
                            break;
                        case OutboundKind.Reset:
                            await WriteAsync(nameof(IPubSubClient.Info), new HubInfo { Msg = "reset", Topic = frame.Topic, Epoch = frame.Reset.Epoch, Seq = frame.Reset.Seq, Ts = Now() });
                            break;
                        case OutboundKind.Shutdown:
                            await WriteInfoAsync("server_shutdown", null);
                            close = true;
                            break;
                        case OutboundKind.Disconnected:
                            await WriteAsync(nameof(IPubSubClient.Info), new HubInfo { Msg = "disconnected", Reason = frame.Reason, Ts = Now() });
                            close = true;
                            closeError = "DISCONNECTED: " + frame.Reason;
                            break;
                    }
                }

                Connection.CountDelivered(events);
                batch.AsSpan(0, count).Clear();
                ArrayPool<OutboundFrame>.Shared.Return(batch);
            }

            if (close)
            {
                // A close message makes every SignalR client stop without reconnecting; give it a moment to
                // leave, then drop the connection if the client has not closed by itself.
                await _hub.WriteAsync(new CloseMessage(closeError, allowReconnect: false));
                await Task.Delay(CloseHandshakeTimeout, _time, _hub.ConnectionAborted).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                _hub.Abort();
            }
        }
        catch (OperationCanceledException)
        {
            // The connection was aborted while the loop waited on a barrier.
        }
        catch (Exception ex)
        {
            Log.SendFailed(_logger, ex, Connection.Id);
            _hub.Abort();
        }
        finally
        {
            // Nothing more will be read from the queue: refuse further enqueues so nothing piles up.
            Connection.Complete();
        }
    }

    /// <summary>
    /// Writes <paramref name="n"/> events with one flush. Each event's invocation is serialized once per hub
    /// protocol and shared by every subscriber (<see cref="HubEventEncoding"/>); several of them, concatenated,
    /// are a valid stream of hub messages (records end with a separator, or carry their length), which the
    /// clients read from one transport message as they do whatever the server's transport coalesced.
    /// <see cref="HubConnectionContext.WriteAsync(SerializedHubMessage, CancellationToken)"/> flushes per call, so
    /// one call per event would cost a transport send per event.
    /// </summary>
    private async ValueTask WriteEventsAsync(OutboundFrame[] batch, int start, int n)
    {
        if (n == 1)
        {
            await _hub.WriteAsync(batch[start].Message!.GetEncoded(HubEventEncoding.Instance));
            return;
        }

        var protocol = _hub.Protocol;
        var parts = ArrayPool<ReadOnlyMemory<byte>>.Shared.Rent(n);
        var total = 0;
        for (var k = 0; k < n; k++)
        {
            parts[k] = batch[start + k].Message!.GetEncoded(HubEventEncoding.Instance).GetSerializedMessage(protocol);
            total += parts[k].Length;
        }

        var buffer = ArrayPool<byte>.Shared.Rent(total);
        try
        {
            var at = 0;
            for (var k = 0; k < n; k++)
            {
                parts[k].Span.CopyTo(buffer.AsSpan(at));
                at += parts[k].Length;
            }

            // WriteAsync copies the bytes into the connection's pipe before it completes: the buffer is free after it.
            await _hub.WriteAsync(new SerializedHubMessage([new SerializedMessage(protocol.Name, buffer.AsMemory(0, total))]));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            parts.AsSpan(0, n).Clear();
            ArrayPool<ReadOnlyMemory<byte>>.Shared.Return(parts);
        }
    }

    private ValueTask WriteInfoAsync(string msg, string? topic) =>
        WriteAsync(nameof(IPubSubClient.Info), new HubInfo { Msg = msg, Topic = topic, Ts = Now() });

    private ValueTask WriteAsync(string method, object argument) => _hub.WriteAsync(new InvocationMessage(method, [argument]));

    private string Now() => Timestamps.Format(_time.GetUtcNow());


    private static partial class Log
    {
        [LoggerMessage(301, LogLevel.Warning, "Hub connection {ConnectionId} is a slow consumer: {Dropped} events dropped, disconnecting")]
        public static partial void SlowConsumerDisconnected(ILogger logger, string connectionId, long dropped);

        [LoggerMessage(302, LogLevel.Error, "Sending to hub connection {ConnectionId} failed")]
        public static partial void SendFailed(ILogger logger, Exception exception, string connectionId);
    }
}
