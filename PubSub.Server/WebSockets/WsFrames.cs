using System.Buffers;
using System.Text.Json;
using PubSub.Core;
using PubSub.Server.Api;

namespace PubSub.Server.WebSockets;

/// <summary>
/// Server → client frames of PROTOCOL.md §3, written with <see cref="Utf8JsonWriter"/>. Every frame has
/// <c>type</c> and <c>ts</c>; replies carry the request's <c>request_id</c> verbatim when it had one.
/// </summary>
/// <remarks>
/// Each method returns the whole WebSocket message as it goes on the wire: the RFC 6455 header of one
/// unmasked, final text frame, then the JSON. A server's frames are never masked, so the bytes are the same
/// for every connection; an event's are built once and copied as they are into each subscriber's socket
/// buffer (see <see cref="WsSession"/>), without a per-delivery pass through the WebSocket's send path.
/// </remarks>
internal static class WsFrames
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true, Encoder = Api.WireJson.Encoder };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    /// <summary>An <c>ack</c>; <paramref name="duplicate"/> adds <c>"duplicate": true</c> (a publish's repeated idempotency key), never false.</summary>
    public static byte[] Ack(byte[]? requestId, string topic, DateTimeOffset now, long? seq = null, bool? gap = null, string? id = null, string? epoch = null, bool duplicate = false) =>
        Write(w =>
        {
            w.WriteString("type"u8, "ack"u8);
            WriteRequestId(w, requestId);
            w.WriteString("topic"u8, topic);
            w.WriteString("status"u8, "ok"u8);
            if (id is not null)
            {
                w.WriteString("id"u8, id);
            }

            if (seq is { } n)
            {
                w.WriteNumber("seq"u8, n);
            }

            if (gap is { } g)
            {
                w.WriteBoolean("gap"u8, g);
            }

            if (epoch is not null)
            {
                w.WriteString("epoch"u8, epoch);
            }

            if (duplicate)
            {
                w.WriteBoolean("duplicate"u8, true);
            }

            WriteTs(w, now);
        });

    public static byte[] Error(byte[]? requestId, string code, string message, DateTimeOffset now) =>
        Write(w =>
        {
            w.WriteString("type"u8, "error"u8);
            WriteRequestId(w, requestId);
            w.WriteStartObject("error"u8);
            w.WriteString("code"u8, code);
            w.WriteString("message"u8, message);
            w.WriteEndObject();
            WriteTs(w, now);
        });

    public static byte[] Error(byte[]? requestId, PubSubException ex, DateTimeOffset now) =>
        Error(requestId, PubSubException.WireName(ex.Code), ex.Message, now);

    public static byte[] Pong(byte[]? requestId, DateTimeOffset now) =>
        Write(w =>
        {
            w.WriteString("type"u8, "pong"u8);
            WriteRequestId(w, requestId);
            WriteTs(w, now);
        });

    public static byte[] Info(string msg, string? topic, DateTimeOffset now) =>
        Write(w =>
        {
            w.WriteString("type"u8, "info"u8);
            if (topic is not null)
            {
                w.WriteString("topic"u8, topic);
            }

            w.WriteString("msg"u8, msg);
            WriteTs(w, now);
        });

    /// <summary>PROTOCOL.md §8: <c>{"type":"info","topic","msg":"gap","from_seq","to_seq","ts"}</c>.</summary>
    /// <summary><c>{"type":"info","msg":"disconnected","reason":"…","ts":"…"}</c>: an operator closed the connection (PROTOCOL.md §8).</summary>
    public static byte[] Disconnected(string reason, DateTimeOffset now) =>
        Write(w =>
        {
            w.WriteString("type"u8, "info"u8);
            w.WriteString("msg"u8, "disconnected"u8);
            w.WriteString("reason"u8, reason);
            WriteTs(w, now);
        });

    public static byte[] Gap(string topic, (long FromSeq, long ToSeq) gap, DateTimeOffset now) =>
        Write(w =>
        {
            w.WriteString("type"u8, "info"u8);
            w.WriteString("topic"u8, topic);
            w.WriteString("msg"u8, "gap"u8);
            w.WriteNumber("from_seq"u8, gap.FromSeq);
            w.WriteNumber("to_seq"u8, gap.ToSeq);
            WriteTs(w, now);
        });

    /// <summary>PROTOCOL.md §8: <c>{"type":"info","topic","msg":"reset","epoch","seq","ts"}</c> (the same in the seed dialect).</summary>
    public static byte[] Reset(string topic, (string Epoch, long Seq) reset, DateTimeOffset now) =>
        Write(w =>
        {
            w.WriteString("type"u8, "info"u8);
            w.WriteString("topic"u8, topic);
            w.WriteString("msg"u8, "reset"u8);
            w.WriteString("epoch"u8, reset.Epoch);
            w.WriteNumber("seq"u8, reset.Seq);
            WriteTs(w, now);
        });

    /// <summary>The event frame; called once per message by <see cref="WsEventEncoding"/>, shared by every subscriber.</summary>
    public static byte[] Event(PublishedMessage m) =>
        Write(w =>
        {
            w.WriteString("type"u8, "event"u8);
            w.WriteString("topic"u8, m.Topic);
            w.WriteStartObject("message"u8);
            WriteIdAndPayload(w, m);
            w.WriteEndObject();
            w.WriteNumber("seq"u8, m.Seq);
            WriteTs(w, m.Timestamp);
        });

    /// <summary>The <c>id</c> and <c>payload</c> of an event's <c>message</c> object; the payload as it was published.</summary>
    internal static void WriteIdAndPayload(Utf8JsonWriter w, PublishedMessage m)
    {
        w.WriteString("id"u8, m.Id);
        w.WritePropertyName("payload"u8);
        w.WriteRawValue(m.Payload.Span, skipInputValidation: true);
    }

    /// <summary>The request's <c>request_id</c>, verbatim, when it had one.</summary>
    internal static void WriteRequestId(Utf8JsonWriter w, byte[]? requestId)
    {
        if (requestId is not null)
        {
            w.WritePropertyName("request_id"u8);
            w.WriteRawValue(requestId, skipInputValidation: true);
        }
    }

    private static void WriteTs(Utf8JsonWriter w, DateTimeOffset ts) => WriteTime(w, "ts"u8, ts);

    /// <summary>An ISO-8601 UTC time ending in <c>Z</c>, under <paramref name="name"/>.</summary>
    internal static void WriteTime(Utf8JsonWriter w, ReadOnlySpan<byte> name, DateTimeOffset ts)
    {
        Span<byte> buffer = stackalloc byte[Timestamps.Length];
        Timestamps.TryFormat(ts, buffer, out var written);
        w.WriteString(name, buffer[..written]);
    }

    /// <summary>One JSON object written by <paramref name="body"/>, framed as a whole WebSocket text message.</summary>
    internal static byte[] Write(Action<Utf8JsonWriter> body) => WireFrame.Text(Json(body));

    /// <summary>
    /// One JSON object written by <paramref name="body"/>, unframed (the event stream's <c>data</c>, see
    /// <see cref="Sse.SseFrames"/>): a view of this thread's buffer, valid until the thread's next call.
    /// </summary>
    internal static ReadOnlySpan<byte> Json(Action<Utf8JsonWriter> body)
    {
        // One buffer and one writer per thread, reset for each frame: only the finished frame is allocated.
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        var writer = t_writer;
        if (writer is null)
        {
            writer = t_writer = new Utf8JsonWriter(buffer, WriterOptions);
        }
        else
        {
            writer.Reset(buffer);
        }

        writer.WriteStartObject();
        body(writer);
        writer.WriteEndObject();
        writer.Flush();

        return buffer.WrittenSpan;
    }
}
