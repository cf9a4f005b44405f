namespace PubSub.Core.Delivery;

/// <summary>What a connection's send loop finds in its queue.</summary>
public enum OutboundKind : byte
{
    /// <summary>A published message (<see cref="OutboundFrame.Message"/>). The only kind the overflow policy may drop.</summary>
    Event,

    /// <summary>A transport's own reply (ack, pong, error), already in its wire form (<see cref="OutboundFrame.Reply"/>).</summary>
    Reply,

    /// <summary>The topic in <see cref="OutboundFrame.Topic"/> was deleted; the subscription is gone.</summary>
    TopicDeleted,

    /// <summary>
    /// Events were dropped (<see cref="OutboundFrame.Count"/> of them) because the queue was full. When
    /// <see cref="OutboundFrame.Fatal"/> is set the policy is <see cref="OverflowPolicy.Disconnect"/>: this is the
    /// last frame and the connection must be closed (WebSocket 1008).
    /// </summary>
    SlowConsumer,

    /// <summary>A heartbeat (<c>info</c> <c>ping</c>).</summary>
    Heartbeat,

    /// <summary>The server is shutting down: the last frame before a 1001 close.</summary>
    Shutdown,

    /// <summary>
    /// Messages of <see cref="OutboundFrame.Topic"/> that this subscription missed and history no longer holds
    /// (<see cref="OutboundFrame.Gap"/>); delivery goes on after them (PROTOCOL.md §8 <c>gap</c>).
    /// </summary>
    Gap,

    /// <summary>
    /// An operator closed the connection (<c>DELETE /api/connections/{id}/</c>): the last frame, <see cref="OutboundFrame.Reason"/>
    /// says why; the transport tells the client (<c>info disconnected</c>) and closes (WebSocket 1008).
    /// </summary>
    Disconnected,

    /// <summary>
    /// The store lost messages it had acknowledged and <see cref="OutboundFrame.Topic"/> goes on in a new epoch
    /// (<see cref="OutboundFrame.Reset"/>): positions of the old epoch mean nothing any more; delivery goes on with the
    /// new epoch's messages after the given seq (PROTOCOL.md §8 <c>reset</c>).
    /// </summary>
    Reset,
}
