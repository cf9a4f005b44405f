using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using PubSub.Core;
using PubSub.Core.Delivery;
using PubSub.Server.Hosting;
using PubSub.Server.WebSockets;

namespace PubSub.Server.Sse;

/// <summary>
/// One event stream (PROTOCOL.md §10) once its subscription is in place: the send loop that drains the connection's
/// bounded queue into the response, the same queue, overflow policy, heartbeat and shutdown as every other transport.
/// Only this loop writes to the response. What is ready is written as one batch with one flush; the stream ends after
/// <c>topic_deleted</c>, <c>server_shutdown</c>, <c>disconnected</c> or a fatal <c>slow_consumer</c>, or when the client goes.
/// </summary>
internal sealed partial class SseSession(HttpContext http, BrokerConnection connection, PubSubBroker broker, ShutdownOptions shutdown, TimeProvider time, ILogger logger)
{
    // Frames taken from the queue per wake-up (the rest wait for the next round, behind this batch's flush).
    private const int MaxBatch = 256;

    // A batch of large events is flushed on the way rather than held whole in the response pipe.
    private const int FlushThreshold = 64 * 1024;

    private static readonly TimeSpan CloseAllowance = TimeSpan.FromSeconds(2);

    // A flush that cannot finish (the client stopped reading) is cut off this long after the stream was told to end.
    private readonly AbortDeadline _deadline = new(time, shutdown.FlushTimeout + CloseAllowance, http.Abort);

    public async Task RunAsync(CancellationToken stopping)
    {
        connection.Overflowed += _deadline.Arm;
        connection.CloseRequested += _deadline.Arm;

        // The client going away completes the queue (Disconnect), which ends the loop once it has drained.
        using var aborted = http.RequestAborted.Register(static s => ((SseSession)s!).ClientGone(), this);
        using var stop = stopping.Register(static s => ((SseSession)s!).BeginShutdown(), this);
        try
        {
            await SendLoopAsync();
        }
        catch (Exception ex) when (IsDisconnect(ex))
        {
            // The client went away mid-write.
        }
        finally
        {
            broker.Disconnect(connection);
            _deadline.End();
        }
    }

    /// <summary>Starts the response: status and headers for a stream that nothing between here and the client may hold back.</summary>
    public static void StartResponse(HttpContext http)
    {
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = EventStreamController.ContentType;
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx and others that honour it: do not buffer this response

        // Each flush goes out as it is (no response buffering or compression holds it back), and the queue's overflow
        // policy, not Kestrel's minimum data rate, decides what happens to a client that reads slowly: as for /ws.
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        if (http.Features.Get<IHttpMinResponseDataRateFeature>() is { } rate)
        {
            rate.MinDataRate = null;
        }
    }

    private void ClientGone() => broker.Disconnect(connection);

    private void BeginShutdown()
    {
        connection.Complete(OutboundFrame.Shutdown);
        _deadline.Arm();
    }

    private async Task SendLoopAsync()
    {
        var writer = http.Response.BodyWriter;
        try
        {
            StartResponse(http);
            writer.Write(SseFrames.Retry); // goes out with the first batch: the subscribe ack is queued already
            var end = false;
            while (!end && await connection.WaitToReadAsync())
            {
                // Drained into a pooled array, so an idle stream holds no batch.
                var batch = ArrayPool<OutboundFrame>.Shared.Rent(MaxBatch);
                var count = connection.Drain(batch.AsSpan(0, MaxBatch));
                var events = 0;
                try
                {
                    for (var i = 0; i < count && !end; i++)
                    {
                        end = Write(writer, batch[i], ref events);
                        if (writer.UnflushedBytes >= FlushThreshold && !await FlushAsync(writer))
                        {
                            return;
                        }
                    }

                    if (!await FlushAsync(writer))
                    {
                        return;
                    }

                    connection.CountDelivered(events);
                }
                finally
                {
                    batch.AsSpan(0, count).Clear();
                    ArrayPool<OutboundFrame>.Shared.Return(batch);
                }
            }
        }
        finally
        {
            // Nothing more will be read from the queue: refuse further enqueues so nothing piles up.
            connection.Complete();
        }
    }

    // Writes one frame into the response pipe (not flushed); true when it is the stream's last.
    private bool Write(PipeWriter writer, in OutboundFrame frame, ref int events)
    {
        switch (frame.Kind)
        {
            case OutboundKind.Event:
                writer.Write(frame.Message!.GetEncoded(SseEventEncoding.Instance));
                events++;
                return false;
            case OutboundKind.Reply:
                writer.Write((byte[])frame.Reply!); // the subscribe ack, built by SseEndpoint
                return false;
            case OutboundKind.Heartbeat:
                writer.Write(SseFrames.Ping);
                return false;
            case OutboundKind.Gap:
                writer.Write(SseFrames.Notice(WsFrames.Gap(frame.Topic!, frame.Gap, time.GetUtcNow())));
                return false;
            case OutboundKind.Reset:
                writer.Write(SseFrames.Reset(frame.Topic!, frame.Reset, time.GetUtcNow()));
                return false;
            case OutboundKind.SlowConsumer:
                writer.Write(SseFrames.SlowConsumer(frame.Count, SlowConsumerNotice.Text(frame, broker.Options.Queue.Capacity), time.GetUtcNow()));
                if (frame.Fatal)
                {
                    Log.SlowConsumerDisconnected(logger, connection.Id, frame.Count);
                }

                return frame.Fatal;
            case OutboundKind.TopicDeleted:
                writer.Write(SseFrames.Notice(WsFrames.Info("topic_deleted", frame.Topic, time.GetUtcNow())));
                return true;
            case OutboundKind.Disconnected:
                writer.Write(SseFrames.Notice(WsFrames.Disconnected(frame.Reason!, time.GetUtcNow())));
                return true;
            default:
                writer.Write(SseFrames.Notice(WsFrames.Info("server_shutdown", null, time.GetUtcNow())));
                return true;
        }
    }

    // False when the client has gone (the response can take no more).
    private static async ValueTask<bool> FlushAsync(PipeWriter writer)
    {
        var result = await writer.FlushAsync();
        return !result.IsCanceled && !result.IsCompleted;
    }

    private static bool IsDisconnect(Exception ex) =>
        ex is IOException or OperationCanceledException or ObjectDisposedException
            or Microsoft.AspNetCore.Connections.ConnectionAbortedException or Microsoft.AspNetCore.Connections.ConnectionResetException;

    private static partial class Log
    {
        [LoggerMessage(701, LogLevel.Warning, "Event stream {ConnectionId} is a slow consumer: {Dropped} events dropped, ending the stream")]
        public static partial void SlowConsumerDisconnected(ILogger logger, string connectionId, long dropped);
    }
}
