namespace PubSub.Core.Cluster;

/// <summary>A page of the cluster's connections (PROTOCOL.md §8): node by node, in id order.</summary>
/// <param name="Items">The connections.</param>
/// <param name="Unanswered">Nodes that did not answer in time; their connections are missing from this page.</param>
/// <param name="NextCursor">Where the next page starts, or null after the last.</param>
public sealed record ConnectionListing(IReadOnlyList<ConnectionDetails> Items, IReadOnlyList<string> Unanswered, string? NextCursor);
