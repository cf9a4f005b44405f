namespace PubSub.Core.Delivery;

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

    /// <summary>What the frame is; says which of the other properties are set.</summary>
    public OutboundKind Kind { get; }

    /// <summary>The message of an <see cref="OutboundKind.Event"/>, shared by every subscriber (encode it through <see cref="PublishedMessage.GetEncoded{T}"/>).</summary>
    public PublishedMessage? Message { get; }

    /// <summary>A <see cref="OutboundKind.Reply"/> in the transport's own wire form, as the transport queued it.</summary>
    public object? Reply { get; }

    /// <summary>The topic of an event, a deletion, a gap or a reset.</summary>
    public string? Topic { get; }

    /// <summary>Events dropped, for <see cref="OutboundKind.SlowConsumer"/>.</summary>
    public long Count { get; }

    /// <summary>The last frame: the transport closes the connection after writing it.</summary>
    public bool Fatal { get; }

    public static OutboundFrame ForEvent(PublishedMessage message) => new(OutboundKind.Event, message, null, message.Topic, 0, false);

    public static OutboundFrame ForReply(object reply) => new(OutboundKind.Reply, null, reply, null, 0, false);

    public static OutboundFrame ForTopicDeleted(string topic) => new(OutboundKind.TopicDeleted, null, null, topic, 0, false);

    public static OutboundFrame ForGap(string topic, long fromSeq, long toSeq) => new(OutboundKind.Gap, null, new GapInfo(fromSeq, toSeq), topic, 0, false);

    /// <summary>The lost range of a <see cref="OutboundKind.Gap"/> frame (zeros for other kinds).</summary>
    public (long FromSeq, long ToSeq) Gap => Reply is GapInfo gap ? (gap.FromSeq, gap.ToSeq) : default;

    public static OutboundFrame ForReset(string topic, string epoch, long seq) => new(OutboundKind.Reset, null, new ResetInfo(epoch, seq), topic, 0, false);

    /// <summary>The new position of a <see cref="OutboundKind.Reset"/> frame (empty epoch and zero for other kinds).</summary>
    public (string Epoch, long Seq) Reset => Reply is ResetInfo reset ? (reset.Epoch, reset.Seq) : ("", 0);

    public static OutboundFrame ForDisconnected(string reason) => new(OutboundKind.Disconnected, null, reason, null, 0, true);

    /// <summary>Why the connection was closed (<see cref="OutboundKind.Disconnected"/>).</summary>
    public string? Reason => Reply as string;

    public static OutboundFrame ForSlowConsumer(long dropped, bool fatal) => new(OutboundKind.SlowConsumer, null, null, null, dropped, fatal);

    public static OutboundFrame Heartbeat { get; } = new(OutboundKind.Heartbeat, null, null, null, 0, false);

    public static OutboundFrame Shutdown { get; } = new(OutboundKind.Shutdown, null, null, null, 0, false);
}
