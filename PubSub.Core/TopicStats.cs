namespace PubSub.Core;

/// <summary>Figures of one topic.</summary>
public sealed record TopicStats(string Name, long Messages, int Subscribers, DateTimeOffset CreatedAt, DateTimeOffset? LastPublishedAt);
