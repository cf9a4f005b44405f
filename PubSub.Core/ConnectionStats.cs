namespace PubSub.Core;

/// <summary>Figures of one connection.</summary>
internal sealed record ConnectionStats(string ConnectionId, string Transport, string? ClientIp, DateTimeOffset ConnectedAt, int Subscriptions, int Queued, long Delivered, long Dropped);
