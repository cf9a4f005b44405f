namespace PubSub.Server.Api;

/// <summary>v1's health body; <c>topics</c>, <c>subscribers</c> and <c>connections</c> count every node, <c>uptime_sec</c> is this node's, <c>node</c> its id.</summary>
public sealed record HealthResponse(long UptimeSec, int Topics, int Subscribers, int Connections, string Status, string Node);
