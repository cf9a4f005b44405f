namespace PubSub.Core.Cluster;

/// <summary>
/// Items gathered from every node (PROTOCOL.md §8), or a page of them: <see cref="ClusterNode.ListConnectionsAsync"/>
/// pages node by node, in id order; <see cref="ClusterNode.ListSubscribersAsync"/> returns everything at once.
/// </summary>
/// <param name="Items">The items.</param>
/// <param name="Unanswered">Nodes that did not answer in time; their items are missing.</param>
/// <param name="NextCursor">Where the next page starts, or null after the last page and for a list that is not paged.</param>
public sealed record ClusterList<T>(IReadOnlyList<T> Items, IReadOnlyList<string> Unanswered, string? NextCursor = null);
