namespace PubSub.Client;

/// <summary>Where a new subscription starts. After that, the client keeps the position itself across reconnects.</summary>
public abstract record SubscribeFrom
{
    private SubscribeFrom()
    {
    }

    /// <summary>Only messages published after the subscribe (the default).</summary>
    public static SubscribeFrom Now { get; } = new LastMessages(0);

    /// <summary>The last <paramref name="count"/> retained messages, then live ones.</summary>
    public static SubscribeFrom Last(int count) =>
        count >= 0 ? new LastMessages(count) : throw new ArgumentOutOfRangeException(nameof(count), count, "must be 0 or more");

    /// <summary>
    /// Every retained message after <paramref name="seq"/> of <paramref name="epoch"/>, then live ones: resuming from a
    /// position saved earlier (PROTOCOL.md §5, §8). When <paramref name="epoch"/> is no longer the topic's, the stream
    /// starts with a <see cref="ResetNotice"/> and replays the new epoch from its oldest retained message.
    /// </summary>
    public static SubscribeFrom After(long seq, string? epoch = null) =>
        seq >= 0 ? new AfterPosition(seq, epoch) : throw new ArgumentOutOfRangeException(nameof(seq), seq, "must be 0 or more");

    /// <summary>The last <see cref="Count"/> messages (<c>last_n</c>).</summary>
    /// <param name="Count">How many retained messages to replay first.</param>
    public sealed record LastMessages(int Count) : SubscribeFrom;

    /// <summary>After a saved position (<c>since_seq</c> and <c>epoch</c>).</summary>
    /// <param name="Seq">The last seq already seen.</param>
    /// <param name="Epoch">The epoch that <see cref="Seq"/> belongs to, when known.</param>
    public sealed record AfterPosition(long Seq, string? Epoch) : SubscribeFrom;
}
