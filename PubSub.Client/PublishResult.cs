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

/// <summary>Optional settings of one publish.</summary>
public sealed record PublishOptions
{
    /// <summary>The message id; a new UUID when null.</summary>
    public string? MessageId { get; init; }

    /// <summary>
    /// The idempotency key (1–128 characters, PROTOCOL.md §2); a new UUID when null. The client re-sends a publish whose
    /// acknowledgement it did not get with the same key, so the server publishes it once. Give your own to make retries
    /// across processes safe too.
    /// </summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>The publisher id stored with the message (<c>client_id</c>); the client's <see cref="PubSubClientOptions.ClientId"/> when null.</summary>
    public string? ClientId { get; init; }
}
