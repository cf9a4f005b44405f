using System.Buffers;
using System.Text.Json;
using PubSub.Core;
using PubSub.Server.Api;

namespace PubSub.Server.WebSockets;

/// <summary>
/// Server → client frames of PROTOCOL.md §3, written with <see cref="Utf8JsonWriter"/>. Every frame has
/// <c>type</c> and <c>ts</c>; replies carry the request's <c>request_id</c> verbatim when it had one.
/// </summary>
internal static class WsFrames
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    public static byte[] Ack(byte[]? requestId, string topic, DateTimeOffset now, long? seq = null, bool? gap = null, string? id = null) =>
        Write((w, s) =>
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

            WriteTs(w, now);
        });

    public static byte[] Error(byte[]? requestId, string code, string message, DateTimeOffset now) =>
        Write((w, s) =>
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
        Write((w, s) =>
        {
            w.WriteString("type"u8, "pong"u8);
            WriteRequestId(w, requestId);
            WriteTs(w, now);
        });

    public static byte[] Info(string msg, string? topic, DateTimeOffset now) =>
        Write((w, s) =>
        {
            w.WriteString("type"u8, "info"u8);
            if (topic is not null)
            {
                w.WriteString("topic"u8, topic);
            }

            w.WriteString("msg"u8, msg);
            WriteTs(w, now);
        });

    /// <summary>The event frame; called once per message by <see cref="WsEventEncoding"/>, shared by every subscriber.</summary>
    public static byte[] Event(PublishedMessage m) =>
        Write((w, s) =>
        {
            w.WriteString("type"u8, "event"u8);
            w.WriteString("topic"u8, m.Topic);
            w.WriteStartObject("message"u8);
            w.WriteString("id"u8, m.Id);
            w.WritePropertyName("payload"u8);
            w.WriteRawValue(m.Payload.Span, skipInputValidation: true);
            w.WriteEndObject();
            w.WriteNumber("seq"u8, m.Seq);
            WriteTs(w, m.Timestamp);
        });

    private static void WriteRequestId(Utf8JsonWriter w, byte[]? requestId)
    {
        if (requestId is not null)
        {
            w.WritePropertyName("request_id"u8);
            w.WriteRawValue(requestId, skipInputValidation: true);
        }
    }

    private static void WriteTs(Utf8JsonWriter w, DateTimeOffset ts)
    {
        Span<byte> buffer = stackalloc byte[32];
        Timestamps.TryFormat(ts, buffer, out var written);
        w.WriteString("ts"u8, buffer[..written]);
    }

    private static byte[] Write(Action<Utf8JsonWriter, object?> body)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(512);
        buffer.ResetWrittenCount();
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            body(writer, null);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>The <c>/ws</c> event frame as a cached per-message encoding: encoded once, sent to every subscriber.</summary>
internal sealed class WsEventEncoding : MessageEncoding<byte[]>
{
    public static readonly WsEventEncoding Instance = new();

    private WsEventEncoding()
    {
    }

    public override byte[] Encode(PublishedMessage message) => WsFrames.Event(message);
}
