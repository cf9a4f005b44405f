namespace PubSub.Core;

/// <summary>
/// What a publish is answered with: the message's topic, id and position. For a repeated idempotency key
/// (<see cref="Duplicate"/>), the id and seq are the first publish's and nothing was published this time.
/// </summary>
/// <param name="Topic">The topic.</param>
/// <param name="Id">The message id (the first publish's, for a duplicate).</param>
/// <param name="Seq">The message's seq (the first publish's, for a duplicate).</param>
/// <param name="Epoch">The topic's epoch when the publish was answered.</param>
/// <param name="Duplicate">True when the key was seen within the window: nothing was stored, delivered or counted.</param>
public sealed record PublishReceipt(string Topic, string Id, long Seq, string Epoch, bool Duplicate = false)
{
    /// <summary>The receipt of a message stored just now.</summary>
    public static PublishReceipt Of(PublishedMessage message) => new(message.Topic, message.Id, message.Seq, message.Epoch);
}
