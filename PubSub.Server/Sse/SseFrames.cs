using System.Text;
using PubSub.Core;
using PubSub.Server.WebSockets;

namespace PubSub.Server.Sse;

/// <summary>
/// The event-stream frames of PROTOCOL.md §10, each a whole block ending in a blank line, as it goes on the wire:
/// <c>id</c> + <c>event: message</c> + <c>data</c> for a message, <c>event: info</c> + <c>data</c> for every notice,
/// a comment line for the heartbeat, and <c>retry</c> first.
/// </summary>
/// <remarks>
/// A notice's <c>data</c> is the §3/§8 <c>info</c> frame of <c>/ws</c>, byte for byte (<see cref="WsFrames"/>), so the
/// two transports cannot drift apart. <c>data</c> is one line: JSON written by the server has no line breaks, and a
/// payload's (whitespace between its tokens; inside strings they are escaped, or it would not have been valid JSON)
/// become spaces, which keeps the JSON equal and the frame one <c>data</c> line.
/// </remarks>
internal static class SseFrames
{
    /// <summary>How long <c>EventSource</c> waits before it reconnects, in milliseconds (the first frame of every stream).</summary>
    public const int RetryMilliseconds = 2000;

    public static ReadOnlySpan<byte> Retry => "retry: 2000\n\n"u8;

    /// <summary>The heartbeat: a comment line, which <c>EventSource</c> ignores and proxies see as traffic.</summary>
    public static ReadOnlySpan<byte> Ping => ": ping\n\n"u8;

    /// <summary>
    /// The subscribe ack, the first <c>info</c>: <c>{"msg":"subscribed","topic","seq","epoch","gap","ts"}</c>. When
    /// nothing is replayed after it, it carries the id of the position it names, so that an <c>EventSource</c> that is
    /// dropped before any message arrives resumes from there (Last-Event-ID) instead of from the URL's query again.
    /// </summary>
    public static byte[] Subscribed(SubscribeOutcome outcome, DateTimeOffset now)
    {
        var json = WsFrames.Json(w =>
        {
            w.WriteString("msg"u8, "subscribed"u8);
            w.WriteString("topic"u8, outcome.Topic);
            w.WriteNumber("seq"u8, outcome.Seq);
            w.WriteString("epoch"u8, outcome.Epoch);
            w.WriteBoolean("gap"u8, outcome.Gap);
            WsFrames.WriteTime(w, "ts"u8, now);
        });
        return Info(json, outcome.Replayed == 0 ? EventId(outcome.Epoch, outcome.Seq) : null);
    }

    /// <summary>Events were dropped for this slow consumer: <c>{"msg":"slow_consumer","dropped":N,"message","ts"}</c>.</summary>
    public static byte[] SlowConsumer(long dropped, string message, DateTimeOffset now) =>
        Info(WsFrames.Json(w =>
        {
            w.WriteString("msg"u8, "slow_consumer"u8);
            w.WriteNumber("dropped"u8, dropped);
            w.WriteString("message"u8, message);
            WsFrames.WriteTime(w, "ts"u8, now);
        }));

    /// <summary>
    /// A notice of PROTOCOL.md §3/§8 (<c>topic_deleted</c>, <c>server_shutdown</c>, <c>disconnected</c>, <c>gap</c>,
    /// <c>reset</c>) given as the <c>/ws</c> frame that carries it; a reset carries the id of the new epoch's position.
    /// </summary>
    public static byte[] Notice(byte[] wsFrame, string? id = null) => Info(WireFrame.Payload(wsFrame), id);

    /// <summary>The frame of a reset notice: the <c>/ws</c> one, with the id delivery goes on from.</summary>
    public static byte[] Reset(string topic, (string Epoch, long Seq) reset, DateTimeOffset now) =>
        Notice(WsFrames.Reset(topic, reset, now), EventId(reset.Epoch, reset.Seq));

    /// <summary>A message: <c>id: epoch:seq</c>, <c>event: message</c>, <c>data: {"topic","id","seq","payload","ts"}</c>.</summary>
    public static byte[] Message(PublishedMessage m)
    {
        var json = WsFrames.Json(w =>
        {
            w.WriteString("topic"u8, m.Topic);
            w.WriteString("id"u8, m.Id);
            w.WriteNumber("seq"u8, m.Seq);
            w.WritePropertyName("payload"u8);
            w.WriteRawValue(m.Payload.Span, skipInputValidation: true);
            WsFrames.WriteTime(w, "ts"u8, m.Timestamp);
        });
        return Block("message"u8, json, EventId(m.Epoch, m.Seq));
    }

    /// <summary>An event's id: its position, <c>&lt;epoch&gt;:&lt;seq&gt;</c>, as <c>Last-Event-ID</c> brings it back.</summary>
    public static string EventId(string epoch, long seq) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{epoch}:{seq}");

    private static byte[] Info(ReadOnlySpan<byte> json, string? id = null) => Block("info"u8, json, id);

    private static byte[] Block(ReadOnlySpan<byte> kind, ReadOnlySpan<byte> json, string? id)
    {
        var size = (id is null ? 0 : 5 + Encoding.UTF8.GetByteCount(id)) + 7 + kind.Length + 1 + 6 + json.Length + 2;
        var frame = GC.AllocateUninitializedArray<byte>(size);
        var at = 0;
        if (id is not null)
        {
            Put(frame, ref at, "id: "u8);
            at += Encoding.UTF8.GetBytes(id, frame.AsSpan(at));
            frame[at++] = (byte)'\n';
        }

        Put(frame, ref at, "event: "u8);
        Put(frame, ref at, kind);
        frame[at++] = (byte)'\n';
        Put(frame, ref at, "data: "u8);
        var data = frame.AsSpan(at, json.Length);
        json.CopyTo(data);
        data.Replace((byte)'\n', (byte)' ');
        data.Replace((byte)'\r', (byte)' ');
        at += json.Length;
        Put(frame, ref at, "\n\n"u8);
        return frame;
    }

    private static void Put(byte[] frame, ref int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(frame.AsSpan(at));
        at += bytes.Length;
    }
}
