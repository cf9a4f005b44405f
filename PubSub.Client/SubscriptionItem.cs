namespace PubSub.Client;

/// <summary>
/// What a subscription yields, in order: a <see cref="PubSubMessage"/>, or a notice that the application must know of
/// (<see cref="GapNotice"/>, <see cref="ResetNotice"/>, <see cref="TopicDeletedNotice"/>). Notices are values in the
/// stream, never exceptions: match on the type.
/// </summary>
/// <param name="Topic">The subscription's topic.</param>
public abstract record SubscriptionItem(string Topic);
