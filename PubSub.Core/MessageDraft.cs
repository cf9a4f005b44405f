namespace PubSub.Core;

/// <summary>A message as a publisher hands it to the broker.</summary>
/// <param name="Id">The message id; null to have the broker assign a UUID.</param>
/// <param name="Payload">UTF-8 JSON text of the payload (already validated as JSON).</param>
/// <param name="PublisherId">The publisher's client id, kept in history.</param>
public readonly record struct MessageDraft(string? Id, ReadOnlyMemory<byte> Payload, string? PublisherId)
{
    // A transport's own rules for this publish, where its protocol allows more than the broker's options do (the /ws
    // seed dialect, PROTOCOL.md §9). A rule can only widen: one that is off (the default) leaves the option in force.

    /// <summary>Create the topic when it does not exist, whatever <see cref="PubSubOptions.AutoCreateTopics"/> says.</summary>
    public bool CreateTopics { get; init; }

    /// <summary>Accept any non-empty <see cref="Id"/>, whatever <see cref="PubSubOptions.RequireUuidMessageIds"/> says.</summary>
    public bool AnyMessageId { get; init; }

    /// <summary>The publisher's key: what a topic created on first use is checked against (<c>manage</c>) and counted to.</summary>
    public System.Security.Claims.ClaimsPrincipal? User { get; init; }

    /// <summary>
    /// The publish's idempotency key (<see cref="PubSubBroker.IsIdempotencyKey(string?)"/>), or null: a repeat within
    /// <see cref="PublishOptions.IdempotencyWindow"/> publishes nothing and is answered with the first publish's seq.
    /// </summary>
    public string? IdempotencyKey { get; init; }
}
