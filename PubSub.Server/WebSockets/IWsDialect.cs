using PubSub.Core;
using PubSub.Server.Hosting;

namespace PubSub.Server.WebSockets;

/// <summary>
/// How one <c>/ws</c> dialect puts replies and events on the wire, and which topic and id rules its requests get.
/// The session (<see cref="WsSession"/>) owns everything else (parsing, the broker calls, ordering, backpressure,
/// limits, auth, heartbeat, topic deletion, shutdown) and is the same for every dialect. One instance per server,
/// chosen from <see cref="WsEndpointOptions.Dialect"/> at start (<see cref="WsDialects.For"/>).
/// </summary>
/// <remarks>
/// Every method returns a whole WebSocket message (see <see cref="WsFrames"/>). The <c>info</c> frames
/// (heartbeat, <c>topic_deleted</c>, <c>server_shutdown</c>, <c>gap</c>) are the same in every dialect (PROTOCOL.md §9 keeps
/// §3's), so the session writes those with <see cref="WsFrames.Info"/> itself.
/// </remarks>
internal interface IWsDialect
{
    // The broker rules this dialect's subscribes and publishes get, beyond the broker's options (PubSubBroker.Connect, MessageDraft).

    /// <summary>Topics are created on their first subscribe or publish, whatever <see cref="PubSubOptions.AutoCreateTopics"/> says.</summary>
    bool CreateTopics { get; }

    /// <summary>Any non-empty <c>message.id</c> is accepted, whatever <see cref="PubSubOptions.RequireUuidMessageIds"/> says.</summary>
    bool AnyMessageId { get; }

    /// <summary>A repeated subscribe replays its history again after the ack (<c>replayOnResubscribe</c> of <see cref="PubSubBroker.Connect"/>).</summary>
    bool ReplayOnResubscribe { get; }

    /// <summary>
    /// The event frame as a per-message cache slot: encoded once per message and dialect, the same bytes for
    /// every subscriber (<see cref="PublishedMessage.GetEncoded"/>). One static instance per dialect.
    /// </summary>
    MessageEncoding<byte[]> Events { get; }

    /// <summary>
    /// Whether a publish's reply must reach the client before that message's own event, on a connection subscribed
    /// to the topic it publishes to. The session then queues the reply's place before the publish starts and the
    /// send loop waits there for the store's answer (PROTOCOL.md §9).
    /// </summary>
    bool RepliesBeforeOwnEvent { get; }

    /// <summary>The frame sent on connect, before anything else; null when the dialect sends none.</summary>
    byte[]? Greeting(DateTimeOffset now);

    /// <summary>The reply to a subscribe, queued before the replayed events.</summary>
    byte[] Subscribed(WsRequest request, SubscribeOutcome outcome, DateTimeOffset now);

    /// <summary>The reply to an unsubscribe.</summary>
    byte[] Unsubscribed(WsRequest request, DateTimeOffset now);

    /// <summary>The reply to a publish, once the message has its seq (or was found a duplicate: the first publish's seq and id).</summary>
    byte[] Published(WsRequest request, PublishReceipt receipt, DateTimeOffset now);

    /// <summary>The reply to a ping.</summary>
    byte[] Pong(byte[]? requestId, DateTimeOffset now);

    /// <summary>An error, tied to a request when <paramref name="requestId"/> is set; <paramref name="code"/> as in PROTOCOL.md §3.</summary>
    byte[] Error(byte[]? requestId, string code, string message, DateTimeOffset now);

    /// <summary>A refused request.</summary>
    byte[] Error(byte[]? requestId, PubSubException ex, DateTimeOffset now) => Error(requestId, PubSubException.WireName(ex.Code), ex.Message, now);
}
