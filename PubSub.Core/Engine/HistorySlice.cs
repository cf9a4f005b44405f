namespace PubSub.Core.Engine;

/// <summary>Messages read from history, with the topic's position at the time of the read.</summary>
/// <param name="Messages">In the order the query names.</param>
/// <param name="LatestSeq">The topic's newest seq (0 before the first publish).</param>
/// <param name="FirstRetainedSeq">The oldest retained seq, or <c>LatestSeq + 1</c> when nothing is retained.</param>
/// <param name="RetainedCount">How many messages history holds.</param>
/// <param name="Epoch">The topic's epoch.</param>
internal sealed record HistorySlice(IReadOnlyList<PublishedMessage> Messages, long LatestSeq, long FirstRetainedSeq, int RetainedCount, string Epoch)
{
    /// <summary>The epoch this one replaced by a reset (see <see cref="IPubSubEngine.ResetEpochAsync"/>), or null.</summary>
    public string? PreviousEpoch { get; init; }

    /// <summary>With <see cref="PreviousEpoch"/>: the seq after which the new epoch's messages follow the reset.</summary>
    public long ResetSeq { get; init; }
}
