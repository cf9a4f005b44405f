namespace PubSub.Core;

/// <summary>
/// Decides what a <c>since_seq</c> resume replays, from the topic's retained range. One small pure function,
/// tested by a table, so the rule is stated once.
/// </summary>
internal static class Resume
{
    /// <summary>
    /// For a client that has seen everything up to <paramref name="sinceSeq"/>, returns the seq after which to
    /// replay and whether messages it has not seen are lost (<c>gap</c>).
    /// </summary>
    /// <param name="sinceSeq">The last seq the client saw (≥ 0).</param>
    /// <param name="firstRetainedSeq">The oldest retained seq, or <paramref name="latestSeq"/> + 1 when nothing is retained.</param>
    /// <param name="latestSeq">The topic's newest seq (0 before the first publish).</param>
    public static (long ReplayAfter, bool Gap) Plan(long sinceSeq, long firstRetainedSeq, long latestSeq)
    {
        if (sinceSeq > latestSeq)
        {
            // The client has seen more than this topic ever had: it saw an earlier life of the topic (deleted and
            // created again). Everything retained is new to it, and what this life lost before is a gap.
            return (0, firstRetainedSeq > 1);
        }

        // Messages sinceSeq+1 .. firstRetained-1 are gone when that range is not empty.
        return (sinceSeq, sinceSeq + 1 < firstRetainedSeq);
    }
}
