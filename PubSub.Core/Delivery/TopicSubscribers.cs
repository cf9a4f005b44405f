namespace PubSub.Core.Delivery;

/// <summary>
/// One topic's entry in the fan-out (<see cref="LocalFanout"/>): its subscriptions on this node and the state of its
/// repair (<see cref="TopicRepair"/>). Every member is read and written under the entry's own lock, except
/// <see cref="Subscriptions"/>, which readers outside it take with a volatile read.
/// </summary>
internal sealed class TopicSubscribers(string name)
{
    /// <summary>Events kept while a repair reads history, at most (older ones are in history).</summary>
    private const int MaxRecent = 65536;

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
