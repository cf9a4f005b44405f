using System.Text.RegularExpressions;

namespace PubSub.Core.Cluster;

/// <summary>
/// How a node takes part in a cluster, section <c>PubSub:Cluster</c>. Used with the Redis engine (PROTOCOL.md §8);
/// with the in-memory engine the node is a cluster of one and only <see cref="NodeId"/> matters.
/// </summary>
public sealed partial class ClusterOptions
{
    /// <summary>
    /// This node's id: letters, digits, <c>_</c> and <c>-</c>, at most 64. It ends every connection id of the node, and
    /// names the node in <c>/api/nodes/</c>. Default: the machine name and a random suffix, new at every start.
    /// </summary>
    public string? NodeId { get; set; }

    /// <summary>The address other people reach this node at, shown in <c>/api/nodes/</c>. Default: the first address the server listens on.</summary>
    public string? Address { get; set; }

    /// <summary>A node that has not reported for this long is dropped from the cluster's lists and counts. Default 15 s.</summary>
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How often a node reports its figures to Redis and reads the others' (also soon after its own connections or
    /// subscriptions change). At most half of <see cref="NodeTimeout"/>. Default 2 s.
    /// </summary>
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a node waits for another to answer a request (list its connections, close one). Default 3 s.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Whether <paramref name="id"/> may be a node id.</summary>
    public static bool IsValidNodeId(string? id) => id is { Length: > 0 and <= 64 } && NodeIdPattern().IsMatch(id);

    [GeneratedRegex("^[A-Za-z0-9_-]+$")]
    private static partial Regex NodeIdPattern();
}
