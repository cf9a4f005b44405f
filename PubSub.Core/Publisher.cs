using PubSub.Core.Engine;

namespace PubSub.Core;

/// <summary>
/// Turns a publisher's <see cref="MessageDraft"/> into a stored publication: checks the topic name, the ids and the
/// payload, assigns the id when absent, creates the topic on first use when the options or the transport's rules say
/// so, and hands the message to the engine.
/// </summary>
internal sealed class Publisher(IPubSubEngine engine, TopicDirectory topics, PubSubOptions options)
{
    /// <summary>The receipt of the publish, or of the first publish with the same idempotency key (<see cref="PublishReceipt.Duplicate"/>).</summary>
    public async ValueTask<PublishReceipt> PublishAsync(string? topic, MessageDraft draft, CancellationToken cancellationToken)
    {
        if (!PubSubBroker.IsTopicName(topic))
        {
            throw PubSubException.BadRequest(PubSubBroker.TopicNameError(topic));
        }

        CheckIdLength(draft.Id, "message.id");
        CheckIdLength(draft.PublisherId, "client_id");
        if (!PubSubBroker.IsIdempotencyKey(draft.IdempotencyKey))
        {
            throw PubSubException.BadRequest(PubSubBroker.IdempotencyKeyError(draft.IdempotencyKey!));
        }

        var id = draft.Id;
        if (id is null)
        {
            id = Guid.NewGuid().ToString("D");
        }
        else if (RequireUuid(draft) ? !Guid.TryParseExact(id, "D", out _) : id.Length == 0)
        {
            throw PubSubException.BadRequest(RequireUuid(draft) ? "message.id must be a UUID" : "message.id must not be empty");
        }

        if (draft.Payload.IsEmpty)
        {
            throw PubSubException.BadRequest("message.payload is required");
        }

        var receipt = await engine.PublishAsync(topic!, id, draft.Payload, draft.PublisherId, draft.IdempotencyKey, cancellationToken);
        if (receipt is null && (options.AutoCreateTopics || draft.CreateTopics))
        {
            await topics.EnsureAsync(topic!, draft.User, cancellationToken);
            receipt = await engine.PublishAsync(topic!, id, draft.Payload, draft.PublisherId, draft.IdempotencyKey, cancellationToken);
        }

        return receipt ?? throw PubSubException.TopicNotFound(topic!);
    }

    /// <summary>Refuses an id over <see cref="LimitOptions.MaxIdLength"/> (see <see cref="PubSubBroker.CheckIdLength"/>).</summary>
    public void CheckIdLength(string? id, string field)
    {
        if (id is { Length: var length } && length > options.Limits.MaxIdLength)
        {
            throw PubSubException.LimitExceeded($"{field} too long ({length} characters)", "PubSub:Limits:MaxIdLength", options.Limits.MaxIdLength);
        }
    }

    private bool RequireUuid(MessageDraft draft) => options.RequireUuidMessageIds && !draft.AnyMessageId;
}
