namespace PubSub.Core;

/// <summary>A topic with this node's live figures.</summary>
public sealed record TopicSnapshot(TopicInfo Info, int Subscribers)
{
    public string Name => Info.Name;
}
