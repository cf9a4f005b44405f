using PubSub.Core.Cluster;
using PubSub.Core.Delivery;

namespace PubSub.Core;

/// <summary>
/// The broker's counters and the figures made of them: this node's report to the cluster, and the whole broker's
/// stats (this node's figures plus the other nodes' as of their last report).
/// </summary>
internal sealed class BrokerFigures(NodeIdentity node, LocalFanout fanout, ConnectionRegistry connections, ClusterFigures cluster, TimeProvider time)
{
    private readonly DateTimeOffset _startedAt = time.GetUtcNow();
    private long _published;
    private long _duplicates;

    public TimeSpan Uptime => time.GetUtcNow() - _startedAt;

    public long Published => Interlocked.Read(ref _published);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public void CountPublished() => Interlocked.Increment(ref _published);

    public void CountDuplicate() => Interlocked.Increment(ref _duplicates);

    /// <summary>This node's figures of now, as it reports them to the cluster.</summary>
    public NodeReport LocalReport()
    {
        var topics = fanout.SubscriberCounts();
        return new(node.Id, node.Address, node.StartedAt, time.GetUtcNow(), connections.Count, topics.Values.Sum(), topics, connections.CountByTransport(), Published, connections.Delivered, connections.Dropped)
        {
            Instance = node.Instance,
        };
    }

    /// <summary>Figures of the whole broker over <paramref name="topics"/>, every node counted.</summary>
    public BrokerStats Stats(IReadOnlyList<TopicInfo> topics)
    {
        var others = cluster.Current;
        var transports = connections.CountByTransport(others.Transports);
        return new BrokerStats(
            Uptime,
            topics,
            fanout.TotalSubscriptions() + others.Subscriptions,
            transports,
            Published + others.Published,
            connections.Delivered + others.Delivered,
            connections.Dropped + others.Dropped);
    }
}
