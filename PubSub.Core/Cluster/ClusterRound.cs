namespace PubSub.Core.Cluster;

/// <summary>One report round's answer: every live node's report, and whether this node's id was last reported by another process.</summary>
internal sealed record ClusterRound(IReadOnlyList<NodeReport> Nodes, bool ReplacedAnother);
