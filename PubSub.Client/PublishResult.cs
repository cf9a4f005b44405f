namespace PubSub.Client;

/// <summary>A publish the server acknowledged: the message is in the topic's history with <paramref name="Seq"/>.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Id">The message id.</param>
/// <param name="Seq">The message's position in the topic.</param>
/// <param name="Duplicate">
/// True when the server had already seen the publish's idempotency key (a re-send after a lost ack): nothing new was
/// published, and <paramref name="Seq"/> is the first publish's.
/// </param>
public sealed record PublishResult(string Topic, string Id, long Seq, bool Duplicate);
