namespace PubSub.Core;

/// <summary>What a subscriber asks to have replayed before live events.</summary>
public readonly record struct ReplayRequest
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

    public int LastN { get; }

    public long? SinceSeq { get; }

    /// <summary>The epoch the client's <see cref="SinceSeq"/> belongs to, when it sent one.</summary>
    public string? Epoch { get; }
}
