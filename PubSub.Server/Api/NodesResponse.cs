namespace PubSub.Server.Api;

/// <summary><c>GET /api/nodes/</c>: every live node of the cluster (PROTOCOL.md §8); <c>node</c> is the one that answered.</summary>
public sealed record NodesResponse(List<NodeBody> Nodes, string Node);
