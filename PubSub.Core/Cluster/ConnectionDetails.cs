namespace PubSub.Core.Cluster;

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
