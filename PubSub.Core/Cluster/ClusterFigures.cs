namespace PubSub.Core.Cluster;

/// <summary>
/// The other nodes as this node last heard of them: their reports, summed once per report round so that counts read
/// by every request and every dashboard tick cost a dictionary lookup, not a Redis round trip. Written by
/// <see cref="ClusterReportLoop"/>, read by <see cref="PubSubBroker"/>.
/// </summary>
internal sealed class ClusterFigures
{
    private static readonly Totals Empty = new([], new Dictionary<string, int>(StringComparer.Ordinal), new Dictionary<string, int>(StringComparer.Ordinal), 0, 0, 0, 0, 0);

    private Totals _totals = Empty;

    /// <summary>Raised after the other nodes' figures changed (a report round, a node gone). Handlers must not block.</summary>
    public event Action? Changed;

    /// <summary>The other nodes' latest reports, by id.</summary>
    public IReadOnlyList<NodeReport> Others => Volatile.Read(ref _totals).Nodes;

    /// <summary>
    /// The other nodes whose report is younger than <paramref name="timeout"/> at <paramref name="now"/>: an older one is
    /// gone, even while this node cannot reach the store to learn it.
    /// </summary>
    public IEnumerable<NodeReport> Fresh(string self, DateTimeOffset now, TimeSpan timeout) =>
        Others.Where(n => n.LastSeen > now - timeout && n.Id != self);

    /// <summary>Subscriptions to <paramref name="topic"/> on the other nodes.</summary>
    public int Subscribers(string topic) => Volatile.Read(ref _totals).Topics.GetValueOrDefault(topic);

    /// <summary>Sums over the other nodes.</summary>
    public Totals Current => Volatile.Read(ref _totals);

    /// <summary>Replaces what is known of the other nodes.</summary>
    public void Set(IReadOnlyList<NodeReport> others)
    {
        var topics = new Dictionary<string, int>(StringComparer.Ordinal);
        var transports = new Dictionary<string, int>(StringComparer.Ordinal);
        long connections = 0, subscriptions = 0, published = 0, delivered = 0, dropped = 0;
        foreach (var node in others)
        {
            connections += node.Connections;
            subscriptions += node.Subscriptions;
            published += node.Published;
            delivered += node.Delivered;
            dropped += node.Dropped;
            foreach (var (topic, count) in node.Topics)
            {
                topics[topic] = topics.GetValueOrDefault(topic) + count;
            }

            foreach (var (transport, count) in node.Transports)
            {
                transports[transport] = transports.GetValueOrDefault(transport) + count;
            }
        }

        var previous = Interlocked.Exchange(ref _totals, new Totals([.. others.OrderBy(n => n.Id, StringComparer.Ordinal)], topics, transports, (int)connections, (int)subscriptions, published, delivered, dropped));
        if (!ReferenceEquals(previous, Empty) || others.Count > 0)
        {
            Changed?.Invoke();
        }
    }

    /// <summary>The other nodes' figures, summed.</summary>
    public sealed record Totals(
        IReadOnlyList<NodeReport> Nodes,
        IReadOnlyDictionary<string, int> Topics,
        IReadOnlyDictionary<string, int> Transports,
        int Connections,
        int Subscriptions,
        long Published,
        long Delivered,
        long Dropped);
}
