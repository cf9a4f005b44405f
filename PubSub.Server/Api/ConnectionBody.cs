namespace PubSub.Server.Api;

public sealed record ConnectionBody(string Id, string Node, string Transport, string? ClientIp, string? UserAgent, DateTimeOffset ConnectedAt, List<string> Topics, long Delivered, long Dropped, int Queued);
