namespace PubSub.Server.Api;

public sealed record NodeBody(string Id, string? Address, DateTimeOffset StartedAt, DateTimeOffset LastSeen, int Connections, int Subscriptions, bool Self);
