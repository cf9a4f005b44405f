namespace PubSub.Core;

/// <summary>A message as a publisher hands it to the broker.</summary>
/// <param name="Id">The message id; null to have the broker assign a UUID.</param>
/// <param name="Payload">UTF-8 JSON text of the payload (already validated as JSON).</param>
/// <param name="PublisherId">The publisher's client id, kept in history.</param>
public readonly record struct MessageDraft(string? Id, ReadOnlyMemory<byte> Payload, string? PublisherId)
{
    /// <summary>The transport's topic and id rules for this publish (default: the broker's options).</summary>
    public TransportRules Rules { get; init; }

    /// <summary>The publisher's key: what a topic created on first use is checked against (<c>manage</c>) and counted to.</summary>
    public System.Security.Claims.ClaimsPrincipal? User { get; init; }

    /// <summary>
    /// The publish's idempotency key (<see cref="InputRules"/>), or null: a repeat within
    /// <see cref="PublishOptions.IdempotencyWindow"/> publishes nothing and is answered with the first publish's seq.
    /// </summary>
    public string? IdempotencyKey { get; init; }
}
