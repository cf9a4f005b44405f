namespace PubSub.Client;

/// <summary>
/// One subscription's place in its topic, <c>(epoch, last delivered seq)</c>, and the decisions that keep the
/// application's view exact across reconnects (PROTOCOL.md §5, §8): what to ask for when subscribing again, what a
/// subscribe ack, an event, a <c>gap</c> or a <c>reset</c> mean for the stream. Pure: no I/O, no clock; the
/// connection loop calls it from its one reading thread.
/// </summary>
internal sealed class SubscriptionPosition(string topic, SubscribeFrom start)
{
    // A replay announced with gap: true starts after a hole; the first event after it shows where the hole ends.
    private long? _gapFrom;

    // The last seq at which a hole without a notice made the client reconnect; a second one there is announced instead.
    private long? _holeAt;

    /// <summary>The topic's epoch as last learned (ack or reset); null before the first ack.</summary>
    public string? Epoch { get; private set; }

    /// <summary>The last seq delivered (or accounted for by a notice) in <see cref="Epoch"/>; null while unknown.</summary>
    public long? Last { get; private set; }

    /// <summary>True once the first subscribe was acknowledged.</summary>
    public bool Acked { get; private set; }

    /// <summary>What the next subscribe asks for: <c>since_seq</c> + <c>epoch</c> once a position is known, else the start.</summary>
    public SubscribeFrom Request => Last is { } last ? SubscribeFrom.After(last, Epoch) : start;

    /// <summary>A subscribe ack: records the epoch and says which notice, if any, the application must see first.</summary>
    public SubscriptionItem? OnAck(string epoch, long latestSeq, bool gap)
    {
        var asked = Request;
        var knownEpoch = Epoch ?? (asked as SubscribeFrom.AfterPosition)?.Epoch;
        Acked = true;
        Epoch = epoch;
        _gapFrom = null;
        switch (asked)
        {
            case SubscribeFrom.AfterPosition when knownEpoch is not null && knownEpoch != epoch:
                // Another life of the topic: the server replays it from its oldest retained message (gap: true when
                // that is not its first), and what the old epoch's seqs were says nothing about the new one's.
                Last = 0;
                _gapFrom = gap ? 1 : null;
                return new ResetNotice(topic, epoch, 0);
            case SubscribeFrom.AfterPosition after:
                Last = after.Seq;
                _gapFrom = gap ? after.Seq + 1 : null;
                return null;
            case SubscribeFrom.LastMessages { Count: 0 }:
                Last = latestSeq; // live only: everything up to the topic's latest is behind the subscription
                return null;
            default:
                Last = null; // last_n: the replay's first seq is not known until it arrives
                return null;
        }
    }

    /// <summary>What to do with an event of seq <paramref name="seq"/> (in the current epoch).</summary>
    public EventDecision OnEvent(long seq, out GapNotice? notice)
    {
        notice = null;
        if (Last is not { } last)
        {
            Last = seq;
            _gapFrom = null;
            return EventDecision.Deliver;
        }

        if (seq <= last)
        {
            return EventDecision.Duplicate;
        }

        if (seq > last + 1)
        {
            if (_gapFrom is { } from)
            {
                notice = new GapNotice(topic, from, seq - 1);
            }
            else if (_holeAt != last)
            {
                // Not announced: the connection lost events (e.g. its queue overflowed). Resuming refills from history.
                _holeAt = last;
                return EventDecision.Hole;
            }
            else
            {
                notice = new GapNotice(topic, last + 1, seq - 1);
            }
        }

        _gapFrom = null;
        Last = seq;
        return EventDecision.Deliver;
    }

    /// <summary>A <c>gap</c> notice: the missing range is passed; delivery goes on after <paramref name="toSeq"/>.</summary>
    public GapNotice? OnGap(long fromSeq, long toSeq)
    {
        if (Last is { } last && toSeq <= last)
        {
            return null; // already past it (a repeat after a resume)
        }

        Last = toSeq;
        _gapFrom = null;
        return new GapNotice(topic, fromSeq, toSeq);
    }

    /// <summary>A <c>reset</c> notice: the topic goes on in <paramref name="epoch"/> after <paramref name="seq"/>.</summary>
    public ResetNotice? OnReset(string epoch, long seq)
    {
        if (epoch == Epoch)
        {
            return null; // learned already from a subscribe ack
        }

        Epoch = epoch;
        Last = seq;
        _gapFrom = null;
        _holeAt = null;
        return new ResetNotice(topic, epoch, seq);
    }
}
