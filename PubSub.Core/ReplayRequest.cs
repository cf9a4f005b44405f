namespace PubSub.Core;

/// <summary>What a subscriber asks to have replayed before live events (<see cref="PubSubBroker.SubscribeAsync"/>'s arguments).</summary>
internal readonly record struct ReplayRequest
{
    private ReplayRequest(int lastN, long? sinceSeq, string? epoch)
    {
        LastN = lastN;
        SinceSeq = sinceSeq;
        Epoch = epoch;
    }

    /// <summary>Replay nothing: live events only.</summary>
    public static ReplayRequest None => default;

    /// <summary>The newest <c>n</c> retained messages (capped at the history capacity).</summary>
    public static ReplayRequest Last(int n) => n >= 0 ? new(n, null, null) : throw new ArgumentOutOfRangeException(nameof(n));

    /// <summary>
    /// Every retained message with seq greater than <paramref name="seq"/>. When <paramref name="epoch"/> is given
    /// and is not the topic's current one, the seq belongs to an earlier life of the topic: everything retained is
    /// replayed, with <c>gap</c>.
    /// </summary>
    public static ReplayRequest Since(long seq, string? epoch = null) => seq >= 0 ? new(0, seq, epoch) : throw new ArgumentOutOfRangeException(nameof(seq));

    /// <summary>The replay a subscribe's arguments ask for; a refusal (<c>BAD_REQUEST</c>) when they contradict each other.</summary>
    public static ReplayRequest Of(int lastN, long? sinceSeq, string? epoch) => (lastN, sinceSeq) switch
    {
        ( < 0, _) => throw PubSubException.BadRequest("last_n must not be negative"),
        (_, < 0) => throw PubSubException.BadRequest("since_seq must not be negative"),
        ( > 0, not null) => throw PubSubException.BadRequest("send either last_n or since_seq, not both"),
        (_, { } seq) => Since(seq, epoch),
        _ => Last(lastN),
    };

    public int LastN { get; }

    public long? SinceSeq { get; }

    /// <summary>The epoch the client's <see cref="SinceSeq"/> belongs to, when it sent one.</summary>
    public string? Epoch { get; }
}
