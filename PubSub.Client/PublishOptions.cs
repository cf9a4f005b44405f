namespace PubSub.Client;

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
