using System.Collections.Concurrent;
using PubSub.Core.Engine;

namespace PubSub.Core.Delivery;

/// <summary>
/// This node's subscribers, by topic. Every engine hands its publications here; every transport's
/// subscriptions live here. The per-topic lock guards that topic's subscriber array and is held while a
/// message is offered to it, so an unsubscribe or a deletion that returned can never be followed by an event
/// of that topic on that connection.
/// </summary>
internal sealed class LocalFanout : ILocalFanout
{
    private readonly ConcurrentDictionary<string, TopicSubscribers> _topics = new(StringComparer.Ordinal);

    public void Deliver(PublishedMessage message)
    {
        if (!_topics.TryGetValue(message.Topic, out var entry))
        {
            return;
        }

        lock (entry)
        {
            foreach (var subscription in entry.Subscriptions)
            {
                subscription.Offer(message);
            }
        }
    }

    public void TopicDeleted(string topic)
    {
        if (!_topics.TryRemove(topic, out var entry))
        {
            return;
        }

        lock (entry)
        {
            entry.Removed = true;
            foreach (var subscription in entry.Subscriptions)
            {
                subscription.Connection.Subscriptions.TryRemove(new KeyValuePair<string, Subscription>(topic, subscription));
                subscription.TopicDeleted();
            }

            entry.Subscriptions = [];
        }
    }

    /// <summary>
    /// Adds a pending subscription unless the connection has one for the topic already, which is returned instead.
    /// </summary>
    public Subscription AddOrGet(Subscription candidate)
    {
        while (true)
        {
            var entry = _topics.GetOrAdd(candidate.Topic, static _ => new TopicSubscribers());
            lock (entry)
            {
                if (entry.Removed)
                {
                    continue; // deleted meanwhile; a fresh entry belongs to the topic's next life
                }

                if (candidate.Connection.Subscriptions.TryGetValue(candidate.Topic, out var existing))
                {
                    return existing;
                }

                candidate.Connection.Subscriptions[candidate.Topic] = candidate;
                entry.Subscriptions = [.. entry.Subscriptions, candidate];
                return candidate;
            }
        }
    }

    /// <summary>Removes and closes a subscription. False when it was not registered (already gone).</summary>
    public bool Remove(Subscription subscription)
    {
        if (!_topics.TryGetValue(subscription.Topic, out var entry))
        {
            subscription.Close();
            return false;
        }

        lock (entry)
        {
            subscription.Connection.Subscriptions.TryRemove(new KeyValuePair<string, Subscription>(subscription.Topic, subscription));
            var index = Array.IndexOf(entry.Subscriptions, subscription);
            subscription.Close();
            if (index < 0)
            {
                return false;
            }

            var next = new Subscription[entry.Subscriptions.Length - 1];
            Array.Copy(entry.Subscriptions, 0, next, 0, index);
            Array.Copy(entry.Subscriptions, index + 1, next, index, next.Length - index);
            entry.Subscriptions = next;
            return true;
        }
    }

    public int CountSubscribers(string topic) => _topics.TryGetValue(topic, out var entry) ? Volatile.Read(ref entry.Subscriptions).Length : 0;

    public IReadOnlyList<Subscription> Subscribers(string topic) =>
        _topics.TryGetValue(topic, out var entry) ? Volatile.Read(ref entry.Subscriptions) : [];

    public int TotalSubscriptions() => _topics.Values.Sum(e => Volatile.Read(ref e.Subscriptions).Length);

    private sealed class TopicSubscribers
    {
        // Copy-on-write under the entry's lock, so readers outside it (counts, listings) see a consistent array.
        public Subscription[] Subscriptions = [];
        public bool Removed;
    }
}
