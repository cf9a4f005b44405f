namespace PubSub.Core.Cluster;

/// <summary>Items gathered from every node, and the nodes that did not answer in time (their items are missing).</summary>
public sealed record ClusterList<T>(IReadOnlyList<T> Items, IReadOnlyList<string> Unanswered);
