using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using PubSub.Core.Engine;

namespace PubSub.Core.Delivery;

/// <summary>
/// This node's subscribers, by topic: the one delivery path every engine feeds and every transport's
/// subscriptions live in. The per-topic lock guards that topic's subscriber array and every subscription's
/// position, and is held while an event is offered, so an unsubscribe or a deletion that returned can never be
/// followed by an event of that topic on that connection.
/// </summary>
/// <remarks>
/// <para><b>Exactly once, in order, whatever the bus.</b> Each subscription drops what it has already queued
/// and refuses an event that skips a seq. A refused event starts a <em>repair</em> of the topic: history is read
/// after the lowest position among the subscriptions behind, replayed to them in order (others drop the
/// duplicates), what history no longer holds is announced as a gap, and the events that arrived meanwhile
/// follow. An engine whose bus is exact (in memory) never causes one; one whose bus may lose or repeat (Redis
/// pub/sub) relies on it, and calls <see cref="Resync"/> after it reconnects.</para>
/// <para><b>Node interest.</b> A topic's entry exists while it has subscriptions: its creation tells the engine
/// (<see cref="IPubSubEngine.WatchAsync"/>, awaited by the subscribe before it reads history) and its removal
/// too (<see cref="IPubSubEngine.Unwatch"/>).</para>
/// </remarks>
internal sealed partial class LocalFanout(TimeProvider time, ILogger<LocalFanout> logger) : ILocalFanout, IDisposable
{
    /// <summary>Events kept per topic while a repair reads history, at most (older ones are in history).</summary>
    private const int MaxRecent = 65536;

    private static readonly TimeSpan MaxRetryDelay = TimeSpan.FromSeconds(2);

    /// <summary>History reads for repairs at once, at most: a reconnect repairs every topic, and must not storm the store.</summary>
    private const int MaxConcurrentReads = 16;

    private readonly ConcurrentDictionary<string, TopicSubscribers> _topics = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _reads = new(MaxConcurrentReads);
    private IPubSubEngine? _engine;

    /// <summary>The engine that feeds this fan-out; set once by the broker (the engine is built with the fan-out).</summary>
    public void Attach(IPubSubEngine engine) => _engine = engine;

    public void Deliver(PublishedMessage message)
    {
        if (!_topics.TryGetValue(message.Topic, out var entry))
        {
            return;
        }

        lock (entry)
        {
            if (string.Equals(message.Epoch, entry.Superseded, StringComparison.Ordinal))
            {
                return; // a life that was reset: what it published since the store came back is read from history in the new epoch
            }

            if (entry.Seen.Conflicts(message) || entry.ResetRequest?.Epoch == message.Epoch)
            {
                // The store gave this seq to another message than the one this node delivered under it: it lost acked
                // messages. Nothing of this life goes out until the topic has moved to a new epoch (see RepairAsync).
                RequestResetLocked(entry, message.Epoch, message.Seq - 1);
                return;
            }

            if (entry.Repairing)
            {
                entry.KeepRecentLocked(message);
            }

            var hole = false;
            foreach (var subscription in entry.Subscriptions)
            {
                switch (subscription.Offer(message))
                {
                    case OfferResult.Hole:
                        hole = true;
                        break;
                    case OfferResult.OtherEpoch:
                        // A newer life publishes: the one this subscription followed was deleted (its notice lost on the
                        // bus) or reset. History tells which.
                        subscription.NeedsRepair = true;
                        hole = true;
                        break;
                }
            }

            entry.Seen.Remember(message);
            if (hole && !entry.Repairing)
            {
                entry.KeepRecentLocked(message);
                StartRepairLocked(entry);
            }
        }
    }

    public void TopicReset(EpochReset reset)
    {
        if (_topics.TryGetValue(reset.Topic, out var entry))
        {
            lock (entry)
            {
                ApplyResetLocked(entry, reset);
            }
        }
    }

    /// <summary>
    /// Moves every subscription of the reset life to the new epoch. The position is the reset's seq, or lower when
    /// this node saw the store give a lower seq to another message (those are the messages published since the
    /// store came back, and they are delivered again in the new epoch).
    /// </summary>
    private void ApplyResetLocked(TopicSubscribers entry, EpochReset reset)
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
            StartRepairLocked(entry);
        }
    }

    private void RequestResetLocked(TopicSubscribers entry, string epoch, long keptThrough)
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
            StartRepairLocked(entry);
        }
    }

    public void TopicDeleted(string topic, string epoch)
    {
        if (!_topics.TryGetValue(topic, out var entry))
        {
            return;
        }

        lock (entry)
        {
            // Removed before they are told, so that whoever reads the notice finds the subscription gone already.
            var ended = entry.Subscriptions.Where(s => s.Follows(epoch)).ToList();
            var others = entry.Subscriptions.Except(ended).ToList();
            RemoveLocked(entry, ended);
            foreach (var subscription in ended.Concat(others))
            {
                subscription.TopicDeleted(epoch); // pending ones remember it for their activation
            }
        }
    }

    /// <summary>
    /// Every subscription of <paramref name="topic"/> (null: of every topic) re-reads history after its position: for an
    /// engine whose bus was down or dropped messages, so that what was published meanwhile is delivered, in order,
    /// before the next live event. Subscriptions still being set up are covered too: they repair once live (their
    /// history read may have been before the bus was lost).
    /// </summary>
    public void Resync(string? topic = null)
    {
        foreach (var entry in topic is null ? _topics.Values : _topics.TryGetValue(topic, out var one) ? [one] : [])
        {
            lock (entry)
            {
                foreach (var subscription in entry.Subscriptions)
                {
                    subscription.NeedsRepair = true;
                }

                if (!entry.Repairing && entry.Subscriptions.Length > 0)
                {
                    StartRepairLocked(entry);
                }
            }
        }
    }

    /// <summary>
    /// Adds a pending subscription unless the connection has one for the topic already, which is returned
    /// instead. Returns null when the connection is closed (a subscribe racing its disconnect): nothing is added.
    /// </summary>
    public (Subscription? Subscription, Task Watched) AddOrGet(Subscription candidate)
    {
        var connection = candidate.Connection;
        while (true)
        {
            var entry = _topics.GetOrAdd(candidate.Topic, static name => new TopicSubscribers(name));
            lock (entry)
            {
                if (entry.Removed)
                {
                    continue; // emptied meanwhile; a fresh entry takes its place
                }

                lock (connection.SubscriptionsLock)
                {
                    if (connection.IsClosed)
                    {
                        RemoveIfEmptyLocked(entry);
                        return (null, Task.CompletedTask);
                    }

                    if (connection.Subscriptions.TryGetValue(candidate.Topic, out var existing))
                    {
                        return (existing, entry.Watched ?? Task.CompletedTask);
                    }

                    connection.Subscriptions[candidate.Topic] = candidate;
                }

                entry.Subscriptions = [.. entry.Subscriptions, candidate];
                entry.Watched ??= Watch(entry.Name);
                return (candidate, entry.Watched);
            }
        }
    }

    /// <summary>Makes a pending subscription live (see <see cref="Subscription.Activate"/>); nothing when it was removed meanwhile.</summary>
    public void Activate(Subscription subscription, OutboundFrame? ack, IReadOnlyList<PublishedMessage> replay, long latestSeq, string epoch)
    {
        if (!_topics.TryGetValue(subscription.Topic, out var entry))
        {
            return;
        }

        lock (entry)
        {
            if ((subscription.Activate(ack, replay, latestSeq, epoch) | subscription.NeedsRepair) && subscription.IsLive && !entry.Repairing)
            {
                StartRepairLocked(entry);
            }

            if (subscription.IsClosed)
            {
                RemoveLocked(entry, [subscription]);
            }
        }
    }

    /// <summary>Removes and closes a subscription. False when it was not registered (already gone).</summary>
    public bool Remove(Subscription subscription)
    {
        if (!_topics.TryGetValue(subscription.Topic, out var entry))
        {
            subscription.Close();
            subscription.Connection.Subscriptions.TryRemove(new KeyValuePair<string, Subscription>(subscription.Topic, subscription));
            return false;
        }

        lock (entry)
        {
            var registered = Array.IndexOf(entry.Subscriptions, subscription) >= 0;
            subscription.Close();
            RemoveLocked(entry, [subscription]);
            return registered;
        }
    }

    public int CountSubscribers(string topic) => _topics.TryGetValue(topic, out var entry) ? Volatile.Read(ref entry.Subscriptions).Length : 0;

    public IReadOnlyList<Subscription> Subscribers(string topic) =>
        _topics.TryGetValue(topic, out var entry) ? Volatile.Read(ref entry.Subscriptions) : [];

    /// <summary>Subscriptions per topic on this node, topics with none left out.</summary>
    public Dictionary<string, int> SubscriberCounts()
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (topic, entry) in _topics)
        {
            if (Volatile.Read(ref entry.Subscriptions).Length is > 0 and var count)
            {
                counts[topic] = count;
            }
        }

        return counts;
    }

    public int TotalSubscriptions() => _topics.Values.Sum(e => Volatile.Read(ref e.Subscriptions).Length);

    /// <summary>Topics with at least one subscription on this node.</summary>
    public int TopicCount => _topics.Count;

    private Task Watch(string topic)
    {
        try
        {
            return _engine?.WatchAsync(topic).AsTask() ?? Task.CompletedTask;
        }
        catch (Exception ex)
        {
            return Task.FromException(ex);
        }
    }

    private void RemoveLocked(TopicSubscribers entry, IReadOnlyCollection<Subscription> removed)
    {
        if (removed.Count == 0)
        {
            return;
        }

        foreach (var subscription in removed)
        {
            subscription.Connection.Subscriptions.TryRemove(new KeyValuePair<string, Subscription>(entry.Name, subscription));
        }

        entry.Subscriptions = entry.Subscriptions.Except(removed).ToArray(); // a set inside: a topic's deletion is linear, not quadratic
        RemoveIfEmptyLocked(entry);
    }

    private void RemoveIfEmptyLocked(TopicSubscribers entry)
    {
        if (entry.Subscriptions.Length > 0 || entry.Removed)
        {
            return;
        }

        // An empty entry goes, so the map never keeps names without subscribers (unknown topics included),
        // and the engine stops carrying the topic to this node.
        entry.Removed = true;
        entry.Recent.Clear();
        _topics.TryRemove(new KeyValuePair<string, TopicSubscribers>(entry.Name, entry));
        if (entry.Watched is not null)
        {
            _engine?.Unwatch(entry.Name);
        }
    }

    private void StartRepairLocked(TopicSubscribers entry)
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
                RemoveLocked(entry, ended);
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

    private sealed class TopicSubscribers(string name)
    {
        public string Name { get; } = name;

        // Copy-on-write under the entry's lock, so readers outside it (counts, listings) see a consistent array.
        public Subscription[] Subscriptions = [];

        public bool Removed;

        /// <summary>The engine's watch of this topic for this node, started with the first subscription.</summary>
        public Task? Watched;

        /// <summary>A repair is reading history; <see cref="Recent"/> keeps what arrives meanwhile.</summary>
        public bool Repairing;

        public List<PublishedMessage> Recent { get; } = [];

        /// <summary>The newest messages this node delivered, to notice a store that gave their seqs to other messages.</summary>
        public SeenRing Seen { get; } = new();

        /// <summary>The store lost messages of this life: the repair asks the engine to move the topic to a new epoch.</summary>
        public ResetRequest? ResetRequest;

        /// <summary>The last repair read found the store disagreeing with what this node delivered: read further back.</summary>
        public bool DeepCheck;

        /// <summary>The epoch the last reset replaced: its late messages are ignored (history has them in the new epoch).</summary>
        public string? Superseded;

        public void KeepRecentLocked(PublishedMessage message)
        {
            if (Recent.Count >= MaxRecent)
            {
                Recent.RemoveAt(0);
            }

            Recent.Add(message);
        }
    }

    private sealed record ResetRequest(string Epoch, long KeptThrough);

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
