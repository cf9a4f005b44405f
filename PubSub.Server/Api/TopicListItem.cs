namespace PubSub.Server.Api;

public sealed record TopicListItem(string Name, int Subscribers, DateTimeOffset CreatedAt, long Messages);
