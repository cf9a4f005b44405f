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

/// <summary>The seqs <paramref name="FromSeq"/>..<paramref name="ToSeq"/> (inclusive) of a topic are lost to a subscriber.</summary>
public sealed record GapInfo(long FromSeq, long ToSeq);

/// <summary>A topic moved to the new epoch <paramref name="Epoch"/>, whose messages after <paramref name="Seq"/> follow.</summary>
public sealed record ResetInfo(string Epoch, long Seq);

/// <summary>One item of a connection's outgoing queue. A small struct: enqueuing an event allocates nothing.</summary>
public readonly struct OutboundFrame
{
    private OutboundFrame(OutboundKind kind, PublishedMessage? message, object? reply, string? topic, long count, bool fatal)
    {
        Kind = kind;
        Message = message;
        Reply = reply;
        Topic = topic;
        Count = count;
        Fatal = fatal;
    }

    public OutboundKind Kind { get; }

    public PublishedMessage? Message { get; }

    public object? Reply { get; }

    public string? Topic { get; }

    public long Count { get; }

    public bool Fatal { get; }

    public static OutboundFrame ForEvent(PublishedMessage message) => new(OutboundKind.Event, message, null, message.Topic, 0, false);

    public static OutboundFrame ForReply(object reply) => new(OutboundKind.Reply, null, reply, null, 0, false);

    public static OutboundFrame ForTopicDeleted(string topic) => new(OutboundKind.TopicDeleted, null, null, topic, 0, false);

    public static OutboundFrame ForGap(string topic, long fromSeq, long toSeq) => new(OutboundKind.Gap, null, new GapInfo(fromSeq, toSeq), topic, 0, false);

    /// <summary>The lost range of a <see cref="OutboundKind.Gap"/> frame.</summary>
    public GapInfo? Gap => Reply as GapInfo;

    public static OutboundFrame ForReset(string topic, string epoch, long seq) => new(OutboundKind.Reset, null, new ResetInfo(epoch, seq), topic, 0, false);

    /// <summary>The new position of a <see cref="OutboundKind.Reset"/> frame.</summary>
    public ResetInfo? Reset => Reply as ResetInfo;

    public static OutboundFrame ForDisconnected(string reason) => new(OutboundKind.Disconnected, null, reason, null, 0, true);

    /// <summary>Why the connection was closed (<see cref="OutboundKind.Disconnected"/>).</summary>
    public string? Reason => Reply as string;

    public static OutboundFrame ForSlowConsumer(long dropped, bool fatal) => new(OutboundKind.SlowConsumer, null, null, null, dropped, fatal);

    public static OutboundFrame Heartbeat { get; } = new(OutboundKind.Heartbeat, null, null, null, 0, false);

    public static OutboundFrame Shutdown { get; } = new(OutboundKind.Shutdown, null, null, null, 0, false);
}
