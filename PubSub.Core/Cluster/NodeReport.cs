namespace PubSub.Core.Cluster;

/// <summary>
/// What a node tells the cluster about itself, every <see cref="ClusterOptions.ReportInterval"/>: the figures that
/// make counts cluster-wide (PROTOCOL.md §8). Stored in Redis with an expiry of <see cref="ClusterOptions.NodeTimeout"/>.
/// </summary>
/// <param name="Id">The node id.</param>
/// <param name="Address">Where it can be reached, when known.</param>
/// <param name="StartedAt">When it started.</param>
/// <param name="LastSeen">When it last reported (on this node's clock).</param>
/// <param name="Connections">Open connections, all transports.</param>
/// <param name="Subscriptions">Active subscriptions, all topics.</param>
/// <param name="Topics">Subscriptions per topic (topics with none are left out).</param>
/// <param name="Transports">Connections per transport.</param>
/// <param name="Published">Messages published through the node since it started.</param>
/// <param name="Delivered">Events it has written to sockets since it started.</param>
/// <param name="Dropped">Events its overflow policy dropped since it started.</param>
public sealed record NodeReport(
    string Id,
    string? Address,
    DateTimeOffset StartedAt,
    DateTimeOffset LastSeen,
    int Connections,
    int Subscriptions,
    IReadOnlyDictionary<string, int> Topics,
    IReadOnlyDictionary<string, int> Transports,
    long Published,
    long Delivered,
    long Dropped)
{
    /// <summary>Random per process: two processes reporting under one node id are told apart by it.</summary>
    public string? Instance { get; init; }
}
