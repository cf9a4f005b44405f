namespace PubSub.Core.Cluster;

/// <summary>
/// How nodes of one broker find and reach each other: the store of node reports and a request channel per node.
/// The Redis engine provides one (<c>RedisClusterBus</c>); without it a node is a cluster of one. Payloads are
/// opaque bytes: <see cref="ClusterNode"/> gives them meaning.
/// </summary>
internal interface IClusterBus
{
    /// <summary>
    /// Stores this node's report, kept for <paramref name="expiry"/>, and returns the latest report of every node
    /// seen within <paramref name="expiry"/> (this one included), their <see cref="NodeReport.LastSeen"/> on this
    /// node's clock, and whether the report it replaced came from another process (<see cref="NodeReport.Instance"/>).
    /// Throws <see cref="PubSubException"/> (Unavailable) when the store is away.
    /// </summary>
    ValueTask<ClusterRound> ReportAsync(NodeReport self, TimeSpan expiry, CancellationToken cancellationToken = default);

    /// <summary>Removes this node's report at once (a clean stop), instead of letting it expire.</summary>
    ValueTask LeaveAsync(string nodeId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends a request to the node <paramref name="nodeId"/> and returns its answer; null when no node of that id
    /// listens. Throws <see cref="PubSubException"/> (Unavailable) when the store is away or the node does not answer
    /// within <paramref name="timeout"/>.
    /// </summary>
    ValueTask<byte[]?> RequestAsync(string nodeId, byte[] request, TimeSpan timeout, CancellationToken cancellationToken = default);

    /// <summary>Answers requests sent to <paramref name="nodeId"/> with <paramref name="handler"/>, from now on and after every reconnect.</summary>
    void Listen(string nodeId, Func<byte[], ValueTask<byte[]>> handler);
}
