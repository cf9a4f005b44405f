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
internal sealed class LocalFanout : ILocalFanout, IDisposable
{
    private readonly TopicRepair _repair;

    public LocalFanout(TimeProvider time, ILogger<LocalFanout> logger)
    {
        _repair = new TopicRepair(time, logger, RemoveLocked);
    }

    private readonly ConcurrentDictionary<string, TopicSubscribers> _topics = new(StringComparer.Ordinal);
    private IPubSubEngine? _engine;

    /// <summary>The engine that feeds this fan-out; set once by the broker (the engine is built with the fan-out).</summary>
    public void Attach(IPubSubEngine engine)
    {
        _engine = engine;
        _repair.Attach(engine);
    }

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
                _repair.RequestResetLocked(entry, message.Epoch, message.Seq - 1);
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
                _repair.StartLocked(entry);
            }
        }
    }

    public void TopicReset(EpochReset reset)
    {
        if (_topics.TryGetValue(reset.Topic, out var entry))
        {
            lock (entry)
            {
                _repair.ApplyResetLocked(entry, reset);
            }
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
                    _repair.StartLocked(entry);
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
                _repair.StartLocked(entry);
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

    public void Dispose() => _repair.Dispose();
}
