namespace PubSub.Server.Api;

public sealed record TopicStatsBody(long Messages, int Subscribers, DateTimeOffset? LastPublished);
