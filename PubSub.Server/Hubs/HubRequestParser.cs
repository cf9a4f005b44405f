using System.Text.Json;
using PubSub.Core;

namespace PubSub.Server.Hubs;

/// <summary>
/// Reads the one request object a hub method takes. Hub methods receive it as raw JSON (<see cref="HubJson"/>)
/// rather than as a typed record so that a wrong field type is a <c>BAD_REQUEST</c> naming the field, exactly as
/// on <c>/ws</c>, instead of SignalR's generic "error binding arguments", and so that both hub protocols go
/// through the same rules. Unknown fields are ignored.
/// </summary>
internal static class HubRequestParser
{
    public enum Kind
    {
        Subscribe,
        Unsubscribe,
        Publish,
        Stream,
    }

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    /// <summary>Parses and validates; throws <see cref="PubSubException"/> (BadRequest) with a message that names the field.</summary>
    public static HubRequest Parse(HubJson? request, Kind kind, int historyCapacity)
    {
        if (request is null)
        {
            throw Bad("a request object is required, e.g. {\"topic\":\"orders\"}");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(request.Utf8, DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw Bad($"invalid request: {ex.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Bad("the request must be an object, e.g. {\"topic\":\"orders\"}");
            }

            var topic = ReadString(root, "topic") ?? throw Bad("topic is required");
            if (!PubSubBroker.IsTopicName(topic))
            {
                throw Bad(PubSubBroker.TopicNameError(topic));
            }

            var clientId = ReadString(root, "clientId");
            if (kind is Kind.Subscribe or Kind.Unsubscribe && string.IsNullOrEmpty(clientId))
            {
                throw Bad("clientId is required and must be a non-empty string");
            }

            long? lastN = null, sinceSeq = null;
            string? epoch = null;
            if (kind is Kind.Subscribe or Kind.Stream)
            {
                epoch = ReadString(root, "epoch");
                lastN = ReadCount(root, "lastN");
                sinceSeq = ReadCount(root, "sinceSeq");
                if (lastN is not null && sinceSeq is not null)
                {
                    throw Bad("send either lastN or sinceSeq, not both");
                }
            }

            string? id = null, idempotencyKey = null;
            byte[]? payload = null;
            if (kind == Kind.Publish)
            {
                id = ReadString(root, "id", "a UUID string");
                idempotencyKey = ReadString(root, "idempotencyKey");
                if (!PubSubBroker.IsIdempotencyKey(idempotencyKey))
                {
                    throw Bad(PubSubBroker.IdempotencyKeyError(idempotencyKey!, "idempotencyKey"));
                }

                if (!root.TryGetProperty("payload"u8, out var p))
                {
                    throw Bad("payload is required (any JSON value)");
                }

                payload = System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(p).ToArray();
            }

            return new HubRequest(topic, clientId, lastN is { } n ? (int)Math.Min(n, historyCapacity) : null, sinceSeq, id, payload, epoch, idempotencyKey);
        }
    }

    private static string? ReadString(JsonElement root, string name, string what = "a string")
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String ? value.GetString() : throw Bad($"{name} must be {what}");
    }

    /// <summary>A non-negative integer; integers too big for a long read as long.MaxValue (they are capped anyway).</summary>
    private static long? ReadCount(JsonElement root, string name)
    {
        if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind == JsonValueKind.Number)
        {
            if (value.TryGetInt64(out var n))
            {
                if (n >= 0)
                {
                    return n;
                }
            }
            else if (value.TryGetUInt64(out _))
            {
                return long.MaxValue;
            }
        }

        throw Bad($"{name} must be a non-negative integer");
    }

    private static PubSubException Bad(string message) => new(PubSubErrorCode.BadRequest, message);
}
