namespace PubSub.Client;

/// <summary>The topic was deleted (or was gone when the client resumed): the subscription ends after this notice.</summary>
/// <param name="Topic">The topic that was deleted.</param>
public sealed record TopicDeletedNotice(string Topic) : SubscriptionItem(Topic);
