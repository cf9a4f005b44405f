using Microsoft.Extensions.Logging;
using PubSub.Core.Engine;

namespace PubSub.Core.Delivery;

/// <summary>
/// The fan-out's repair protocol (see <see cref="LocalFanout"/>): when a subscription refused an event as a hole, or
/// the engine asks for a resync, history is read after the lowest position among the subscriptions behind and replayed
/// to them in order; what history no longer holds is announced as a gap; a store found to have lost delivered messages
/// moves the topic to a new epoch (a reset). One repair per topic at a time, run outside the topic's lock and applied
/// under it; <paramref name="removeLocked"/> is the fan-out's removal of subscriptions whose topic life ended.
/// </summary>
internal sealed partial class TopicRepair(TimeProvider time, ILogger logger, Action<TopicSubscribers, IReadOnlyCollection<Subscription>> removeLocked) : IDisposable
{
    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(2);

    /// <summary>History reads for repairs at once, at most: a reconnect repairs every topic, and must not storm the store.</summary>
    private const int MaxConcurrentReads = 16;

    private readonly SemaphoreSlim _reads = new(MaxConcurrentReads);
    private IPubSubEngine? _engine;

    /// <summary>The engine whose history repairs read; set once with the fan-out's.</summary>
    public void Attach(IPubSubEngine engine) => _engine = engine;

    /// <summary>
    /// Moves every subscription of the reset life to the new epoch. The position is the reset's seq, or lower when
    /// this node saw the store give a lower seq to another message (those are the messages published since the
    /// store came back, and they are delivered again in the new epoch).
    /// </summary>
    public void ApplyResetLocked(TopicSubscribers entry, EpochReset reset)
    {
        var seq = reset.Seq;
        if (entry.ResetRequest is { } request && request.Epoch == reset.FromEpoch)
        {
            seq = Math.Min(seq, request.KeptThrough);
            entry.ResetRequest = null;
        }

        entry.Superseded = reset.FromEpoch;
        entry.Seen.Clear();
        entry.Recent.RemoveAll(m => m.Epoch == reset.FromEpoch);
        var moved = 0;
        foreach (var subscription in entry.Subscriptions)
        {
            if (subscription.Reset(reset, seq))
            {
                moved++;
            }
        }

        if (moved > 0)
        {
            Log.Reset(logger, reset.Topic, reset.FromEpoch, reset.Epoch, seq, moved);
        }

        if (moved > 0 && !entry.Repairing)
        {
            StartLocked(entry);
        }
    }

    public void RequestResetLocked(TopicSubscribers entry, string epoch, long keptThrough)
    {
        if (entry.ResetRequest is { } pending && pending.Epoch == epoch)
        {
            entry.ResetRequest = pending with { KeptThrough = Math.Min(pending.KeptThrough, keptThrough) };
        }
        else
        {
            entry.ResetRequest = new ResetRequest(epoch, keptThrough);
            Log.StoreWentBack(logger, entry.Name, epoch, keptThrough);
        }

        foreach (var subscription in entry.Subscriptions)
        {
            if (subscription.Follows(epoch))
            {
                subscription.NeedsRepair = true;
            }
        }

        if (!entry.Repairing)
        {
            StartLocked(entry);
        }
    }

    public void StartLocked(TopicSubscribers entry)
    {
        entry.Repairing = true;
        _ = Task.Run(() => RepairAsync(entry));
    }

    private async Task RepairAsync(TopicSubscribers entry)
    {
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            long after;
            ResetRequest? reset;
            bool deep;
            lock (entry)
            {
                var behind = entry.Subscriptions.Where(s => s.IsLive && s.NeedsRepair).ToList();
                if (entry.Removed || behind.Count == 0)
                {
                    entry.Repairing = false;
                    entry.Recent.Clear();
                    return;
                }

                after = behind.Min(s => s.LastSeq);
                reset = entry.ResetRequest;
                deep = entry.DeepCheck;
            }

            HistorySlice? slice = null;
            EpochReset? moved = null;
            await _reads.WaitAsync();
            try
            {
                if (reset is not null)
                {
                    moved = await _engine!.ResetEpochAsync(entry.Name, reset.Epoch, reset.KeptThrough);
                }
                else
                {
                    // The last delivered message is read again, to check that the store still holds it (it may have come
                    // back older and given its seq to another); when it does not, the next round reads further back to
                    // find where the two part.
                    slice = await _engine!.ReadHistoryAsync(entry.Name, HistoryQuery.After(Math.Max(0, after - (deep ? SeenRing.Size : 1))));
                }

                delay = TimeSpan.FromMilliseconds(50);
            }
            catch (Exception ex)
            {
                // The store is away: keep the subscriptions, try again (the engine resyncs on reconnect too).
                Log.RepairReadFailed(logger, entry.Name, delay.TotalMilliseconds, ex.Message);
                await Task.Delay(delay, time);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxRetryDelay.Ticks));
                continue;
            }
            finally
            {
                _reads.Release();
            }

            lock (entry)
            {
                if (reset is not null)
                {
                    if (moved is not null)
                    {
                        ApplyResetLocked(entry, moved);
                    }
                    else if (entry.ResetRequest == reset)
                    {
                        entry.ResetRequest = null; // the topic is gone or in another life: the next read ends what it must
                    }

                    continue;
                }

                if (entry.Removed)
                {
                    continue;
                }

                var conflict = slice is not null && string.Equals(slice.Epoch, entry.Seen.Epoch, StringComparison.Ordinal)
                    ? entry.Seen.FirstConflict(slice.Messages)
                    : 0;
                if (slice is not null && string.Equals(slice.Epoch, entry.Seen.Epoch, StringComparison.Ordinal)
                    && (slice.LatestSeq < entry.Seen.High || conflict > 0))
                {
                    // The store is behind what this node delivered, or holds other messages under seqs it delivered.
                    if (!deep)
                    {
                        entry.DeepCheck = true; // read back over what this node remembers, to find where they part
                        continue;
                    }

                    entry.DeepCheck = false;
                    RequestResetLocked(entry, slice.Epoch, conflict > 0 ? conflict - 1 : slice.LatestSeq);
                    continue;
                }

                entry.DeepCheck = false;

                var ended = new List<Subscription>();
                foreach (var subscription in entry.Subscriptions.Where(s => s.IsLive && s.NeedsRepair))
                {
                    if (slice is not null && !string.Equals(slice.Epoch, subscription.Epoch, StringComparison.Ordinal)
                        && string.Equals(slice.PreviousEpoch, subscription.Epoch, StringComparison.Ordinal))
                    {
                        // The life it followed was reset and this node missed the notice: move it now; the next round reads on.
                        ApplyResetLocked(entry, new EpochReset(entry.Name, slice.PreviousEpoch!, slice.Epoch, slice.ResetSeq));
                        continue;
                    }

                    if (slice is null || !string.Equals(slice.Epoch, subscription.Epoch, StringComparison.Ordinal))
                    {
                        // The life this subscription followed is over (deleted, perhaps created again).
                        if (subscription.TopicDeleted(subscription.Epoch))
                        {
                            ended.Add(subscription);
                        }

                        continue;
                    }

                    subscription.NeedsRepair = false;
                    if (subscription.LastSeq + 1 < slice.FirstRetainedSeq)
                    {
                        Log.Gap(logger, entry.Name, subscription.Connection.Id, subscription.LastSeq + 1, slice.FirstRetainedSeq - 1);
                        subscription.Gap(subscription.LastSeq + 1, slice.FirstRetainedSeq - 1);
                    }

                    if (Replay(subscription, slice.Messages))
                    {
                        Replay(subscription, entry.Recent);
                    }
                }

                if (slice is not null)
                {
                    foreach (var message in slice.Messages)
                    {
                        entry.Seen.Remember(message);
                    }
                }

                entry.Recent.RemoveAll(m => slice is not null && m.Seq <= slice.LatestSeq);
                removeLocked(entry, ended);
            }
        }
    }

    /// <summary>Offers events in order until one is a hole (the next round fills it). False on a hole.</summary>
    private static bool Replay(Subscription subscription, IReadOnlyList<PublishedMessage> messages)
    {
        for (var i = 0; i < messages.Count; i++)
        {
            if (subscription.Offer(messages[i]) == OfferResult.Hole)
            {
                return false;
            }
        }

        return true;
    }

    public void Dispose() => _reads.Dispose();

    private static partial class Log
    {
        [LoggerMessage(13, LogLevel.Warning, "Topic {Topic}: the store lost messages of epoch {Epoch} that were delivered (it holds other messages, or none, at seqs up to the ones delivered, from {KeptThrough} on); moving the topic to a new epoch")]
        public static partial void StoreWentBack(ILogger logger, string topic, string epoch, long keptThrough);

        [LoggerMessage(14, LogLevel.Warning, "Topic {Topic}: reset from epoch {FromEpoch} to {Epoch} at seq {Seq}; {Subscriptions} subscriptions on this node told")]
        public static partial void Reset(ILogger logger, string topic, string fromEpoch, string epoch, long seq, int subscriptions);

        [LoggerMessage(11, LogLevel.Warning, "Topic {Topic}: history read for a repair failed ({Error}); trying again in {DelayMs} ms")]
        public static partial void RepairReadFailed(ILogger logger, string topic, double delayMs, string error);

        [LoggerMessage(12, LogLevel.Warning, "Topic {Topic}: connection {ConnectionId} missed seq {FromSeq}..{ToSeq}, which history no longer holds; announced as a gap")]
        public static partial void Gap(ILogger logger, string topic, string connectionId, long fromSeq, long toSeq);
    }
}
