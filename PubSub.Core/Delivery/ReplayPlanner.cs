using PubSub.Core.Engine;

namespace PubSub.Core.Delivery;

/// <summary>
/// What a subscribe replays before live events: it reads the topic's history for a <see cref="ReplayRequest"/> and
/// decides, for <c>since_seq</c>, which retained messages the client has not seen and whether some are lost (<c>gap</c>).
/// </summary>
internal sealed class ReplayPlanner(IPubSubEngine engine, HistoryOptions history)
{
    /// <summary>
    /// Reads the history <paramref name="replay"/> asks for as one snapshot and plans the replay from it. Throws
    /// <see cref="PubSubException"/> (TopicNotFound) when the topic does not exist.
    /// </summary>
    public async ValueTask<(HistorySlice Slice, IReadOnlyList<PublishedMessage> Replayed, bool Gap)> ReadAsync(string topic, ReplayRequest replay, CancellationToken cancellationToken)
    {
        var slice = await engine.ReadHistoryAsync(topic, ToHistoryQuery(replay), cancellationToken) ?? throw PubSubException.TopicNotFound(topic);
        var (replayed, gap) = await PlanAsync(topic, replay, slice, cancellationToken);
        return (slice, replayed, gap);
    }

    /// <summary>
    /// What a subscribe replays from its first history read: for <c>last_n</c>, the read itself; for <c>since_seq</c>,
    /// the retained messages after it (everything retained when the client's epoch is not the topic's), with
    /// <c>gap</c> when some it has not seen are gone. Never beyond the read's latest seq: later ones come live.
    /// </summary>
    private async ValueTask<(IReadOnlyList<PublishedMessage> Replayed, bool Gap)> PlanAsync(string topic, ReplayRequest replay, HistorySlice slice, CancellationToken cancellationToken)
    {
        if (replay.SinceSeq is not { } since)
        {
            return (slice.Messages, false);
        }

        long after;
        bool gap;
        if (replay.Epoch is { } epoch && !string.Equals(epoch, slice.Epoch, StringComparison.Ordinal))
        {
            // The client's seq counts an earlier life of the topic: none of this life's messages are known to it.
            (after, gap) = (0, true);
        }
        else
        {
            (after, gap) = Resume.Plan(since, slice.FirstRetainedSeq, slice.LatestSeq);
        }

        if (after == since)
        {
            return (slice.Messages, gap);
        }

        var messages = slice.Messages.Count == slice.RetainedCount
            ? slice.Messages
            : (await engine.ReadHistoryAsync(topic, HistoryQuery.After(after), cancellationToken))?.Messages ?? [];
        return (messages.Where(m => m.Seq > after && m.Seq <= slice.LatestSeq && string.Equals(m.Epoch, slice.Epoch, StringComparison.Ordinal)).ToList(), gap);
    }

    private HistoryQuery ToHistoryQuery(ReplayRequest replay) =>
        replay.SinceSeq is { } since ? HistoryQuery.After(since) : HistoryQuery.Last(Math.Min(replay.LastN, history.Capacity));
}
