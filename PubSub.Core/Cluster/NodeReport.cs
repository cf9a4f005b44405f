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

/// <summary>One connection as <c>GET /api/connections/</c> lists it, on whichever node it lives.</summary>
public sealed record ConnectionDetails(
    string Id,
    string Node,
    string Transport,
    string? ClientIp,
    string? UserAgent,
    DateTimeOffset ConnectedAt,
    IReadOnlyList<string> Topics,
    long Delivered,
    long Dropped,
    int Queued);

/// <summary>Items gathered from every node, and the nodes that did not answer in time (their items are missing).</summary>
public sealed record ClusterList<T>(IReadOnlyList<T> Items, IReadOnlyList<string> Unanswered);

/// <summary>A page of one node's connections, in the order they opened.</summary>
/// <param name="Items">The connections, as the asking key may see them.</param>
/// <param name="Last">The number of the last connection looked at: the next page of this node starts after it.</param>
/// <param name="More">Whether the node has connections after <paramref name="Last"/>.</param>
public sealed record ConnectionPage(IReadOnlyList<ConnectionDetails> Items, long Last, bool More);

/// <summary>A page of the cluster's connections (PROTOCOL.md §8): node by node, in id order.</summary>
/// <param name="Items">The connections.</param>
/// <param name="Unanswered">Nodes that did not answer in time; their connections are missing from this page.</param>
/// <param name="NextCursor">Where the next page starts, or null after the last.</param>
public sealed record ConnectionListing(IReadOnlyList<ConnectionDetails> Items, IReadOnlyList<string> Unanswered, string? NextCursor);
