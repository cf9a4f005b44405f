namespace PubSub.Server.Api;

public sealed record SubscriberBody(string ClientId, string ConnectionId, string Transport, DateTimeOffset SubscribedAt, string? ClientIp, string? UserAgent, string? Node);
