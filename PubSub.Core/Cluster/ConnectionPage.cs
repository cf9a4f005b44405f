namespace PubSub.Core.Cluster;

/// <summary>A page of one node's connections, in the order they opened.</summary>
/// <param name="Items">The connections, as the asking key may see them.</param>
/// <param name="Last">The number of the last connection looked at: the next page of this node starts after it.</param>
/// <param name="More">Whether the node has connections after <paramref name="Last"/>.</param>
internal sealed record ConnectionPage(IReadOnlyList<ConnectionDetails> Items, long Last, bool More);
