namespace PubSub.Core.Engine;

/// <summary>
/// Who creates a topic and the bounds the create must stay within (PROTOCOL.md §4, "Tenants cannot starve each other"):
/// the engine checks them atomically with the create, from counts it keeps (the registry's size, a counter per creating
/// key), never by reading every topic.
/// </summary>
/// <param name="Owner">The creating key's id (counted against <paramref name="MaxPerOwner"/>); null when auth is off.</param>
/// <param name="OwnerName">The creating key's name, stored with the topic for people to read.</param>
/// <param name="MaxTopics">Topics the broker may hold (<c>PubSub:Limits:MaxTopics</c>).</param>
/// <param name="MaxPerOwner">Existing topics one key may have created (<c>PubSub:Limits:MaxTopicsPerKey</c>).</param>
internal sealed record TopicQuota(string? Owner, string? OwnerName, int MaxTopics, int MaxPerOwner)
{
    /// <summary>No owner, no bound.</summary>
    public static TopicQuota None { get; } = new(null, null, int.MaxValue, int.MaxValue);

    /// <summary>The refusal at <see cref="MaxTopics"/>.</summary>
    public PubSubException TooManyTopics() => PubSubException.LimitExceeded("too many topics", "PubSub:Limits:MaxTopics", MaxTopics);

    /// <summary>The refusal at <see cref="MaxPerOwner"/>.</summary>
    public PubSubException TooManyForOwner() =>
        PubSubException.LimitExceeded("this API key has created too many topics", "PubSub:Limits:MaxTopicsPerKey", MaxPerOwner);
}
