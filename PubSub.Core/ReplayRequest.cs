namespace PubSub.Core;

/// <summary>
/// What a subscriber asks to have replayed before live events (<see cref="PubSubBroker.SubscribeAsync"/>'s arguments):
/// the newest <see cref="LastN"/> retained messages, or every retained message after <see cref="SinceSeq"/>, or
/// (<c>default</c>) nothing.
/// </summary>
internal readonly record struct ReplayRequest
{
    private ReplayRequest(int lastN, long? sinceSeq, string? epoch)
    {
        LastN = lastN;
        SinceSeq = sinceSeq;
        Epoch = epoch;
    }

    /// <summary>The replay a subscribe's arguments ask for; a refusal (<c>BAD_REQUEST</c>) when they contradict each other.</summary>
    public static ReplayRequest Of(int lastN, long? sinceSeq, string? epoch) => (lastN, sinceSeq) switch
    {
        ( < 0, _) => throw PubSubException.BadRequest("last_n must not be negative"),
        (_, < 0) => throw PubSubException.BadRequest("since_seq must not be negative"),
        ( > 0, not null) => throw PubSubException.BadRequest("send either last_n or since_seq, not both"),
        (_, { } seq) => new(0, seq, epoch),
        _ => new(lastN, null, null),
    };

    /// <summary>The newest this many retained messages (capped at the history capacity).</summary>
    public int LastN { get; }

    /// <summary>
    /// Every retained message with a greater seq. When <see cref="Epoch"/> is given and is not the topic's current one,
    /// the seq belongs to an earlier life of the topic: everything retained is replayed, with <c>gap</c>.
    /// </summary>
    public long? SinceSeq { get; }

    /// <summary>The epoch the client's <see cref="SinceSeq"/> belongs to, when it sent one.</summary>
    public string? Epoch { get; }
}
