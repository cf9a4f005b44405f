using System.Text.Json;
using PubSub.Core;

namespace PubSub.Server.WebSockets;

/// <summary>
/// PROTOCOL.md §9: the frames of the original Django server, so its own pages and scripts work unchanged.
/// </summary>
/// <remarks>
/// <para>Wire format: <c>connected</c> on connect; <c>subscribed</c>, <c>unsubscribed</c>, <c>published</c> and
/// <c>pong</c> replies with <c>status: "success"</c>; events as <c>message</c> frames with
/// <c>publisher_client_id</c>; errors as <c>{"type":"error","error":"&lt;text&gt;"}</c>; <c>timestamp</c> instead of
/// <c>ts</c>. The replies always carry <c>request_id</c> (the request's, verbatim, or <c>null</c> when it had none:
/// the seed's pages read the field), an error only when the request had one.</para>
/// <para>Extra fields, which §1 allows and the seed's clients ignore: <c>seq</c> on <c>message</c>,
/// <c>subscribed</c> (with <c>gap</c>) and <c>published</c>, so a client can see a gap and resume with
/// <c>since_seq</c>; <c>code</c> on <c>error</c> (the §3 code), so a program can tell errors apart without
/// reading their text.</para>
/// </remarks>
internal sealed class SeedWsDialect : IWsDialect
{
    public static readonly SeedWsDialect Instance = new();

    private SeedWsDialect()
    {
    }

    public bool CreateTopics => true;

    public bool AnyMessageId => true;

    public bool ReplayOnResubscribe => true;

    // The seed's server replied to a publish before its broadcast reached the publishing connection, and its
    // test_websocket.py reads the next frame after a publish as the reply.
    public bool RepliesBeforeOwnEvent => true;

    public MessageEncoding<byte[]> Events => SeedEventEncoding.Instance;

    public byte[]? Greeting(DateTimeOffset now) =>
        WsFrames.Write(w =>
        {
            w.WriteString("type"u8, "connected"u8);
            w.WriteString("connection_id"u8, Guid.NewGuid().ToString("D"));
            Success(w, now);
        });

    public byte[] Subscribed(WsRequest request, SubscribeOutcome outcome, DateTimeOffset now) =>
        WsFrames.Write(w =>
        {
            w.WriteString("type"u8, "subscribed"u8);
            w.WriteString("topic"u8, outcome.Topic);
            Request(w, request);
            Success(w, now);
            w.WriteNumber("seq"u8, outcome.Seq);
            w.WriteBoolean("gap"u8, outcome.Gap);
            w.WriteString("epoch"u8, outcome.Epoch);
        });

    public byte[] Unsubscribed(WsRequest request, DateTimeOffset now) =>
        WsFrames.Write(w =>
        {
            w.WriteString("type"u8, "unsubscribed"u8);
            w.WriteString("topic"u8, request.Topic);
            Request(w, request);
            Success(w, now);
        });

    public byte[] Published(WsRequest request, PublishReceipt receipt, DateTimeOffset now) =>
        WsFrames.Write(w =>
        {
            w.WriteString("type"u8, "published"u8);
            w.WriteString("topic"u8, receipt.Topic);
            w.WriteString("message_id"u8, receipt.Id);
            Request(w, request);
            Success(w, now);
            w.WriteNumber("seq"u8, receipt.Seq);
            if (receipt.Duplicate)
            {
                w.WriteBoolean("duplicate"u8, true);
            }
        });

    public byte[] Pong(byte[]? requestId, DateTimeOffset now) =>
        WsFrames.Write(w =>
        {
            w.WriteString("type"u8, "pong"u8);
            RequestId(w, requestId);
            WsFrames.WriteTime(w, "timestamp"u8, now);
        });

    public byte[] Error(byte[]? requestId, string code, string message, DateTimeOffset now) =>
        WsFrames.Write(w =>
        {
            w.WriteString("type"u8, "error"u8);
            w.WriteString("error"u8, message);
            w.WriteString("code"u8, code);
            WsFrames.WriteRequestId(w, requestId);
            WsFrames.WriteTime(w, "timestamp"u8, now);
        });

    /// <summary>The event frame; called once per message by <see cref="SeedEventEncoding"/>, shared by every subscriber.</summary>
    public static byte[] Event(PublishedMessage m) =>
        WsFrames.Write(w =>
        {
            w.WriteString("type"u8, "message"u8);
            w.WriteString("topic"u8, m.Topic);
            w.WriteStartObject("message"u8);
            WsFrames.WriteIdAndPayload(w, m);
            WsFrames.WriteTime(w, "timestamp"u8, m.Timestamp);
            w.WriteEndObject();
            w.WriteString("publisher_client_id"u8, m.PublisherId); // null when the publisher gave none
            w.WriteNumber("seq"u8, m.Seq);
        });

    private static void Request(Utf8JsonWriter w, WsRequest request)
    {
        w.WriteString("client_id"u8, request.ClientId);
        RequestId(w, request.RequestId);
    }

    private static void RequestId(Utf8JsonWriter w, byte[]? requestId)
    {
        if (requestId is null)
        {
            w.WriteNull("request_id"u8);
        }
        else
        {
            WsFrames.WriteRequestId(w, requestId);
        }
    }

    private static void Success(Utf8JsonWriter w, DateTimeOffset now)
    {
        w.WriteString("status"u8, "success"u8);
        WsFrames.WriteTime(w, "timestamp"u8, now);
    }
}
