namespace PubSub.Core;

/// <summary>One page of a topic's retained history, newest first.</summary>
public sealed record MessagePage(string Topic, IReadOnlyList<PublishedMessage> Messages, int TotalCount, int Offset, int Limit);
