using System.Text;
using System.Text.Json;

namespace PubSub.Server.WebSockets;

/// <summary>
/// Parses one client text frame with a single <see cref="Utf8JsonReader"/> pass: no DOM, and the payload is
/// sliced out of the frame as raw JSON, copied once into the message it becomes. The whole object is read
/// before any rule is checked, so an error can still echo the frame's <c>request_id</c>.
/// </summary>
internal static class WsRequestParser
{
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = 64 };

    public static bool TryParse(ReadOnlySpan<byte> frame, int historyCapacity, out WsRequest? request, out WsParseError error)
    {
        request = null;
        Fields f;
        try
        {
            if (Api.JsonText.HasLoneSurrogate(frame, ReaderOptions.MaxDepth))
            {
                error = new WsParseError("invalid text: a string has a lone surrogate (\\uD800-\\uDFFF without its pair)", null);
                return false;
            }

            if (!TryRead(frame, out f, out var shapeError))
            {
                error = new WsParseError(shapeError!, null);
                return false;
            }
        }
        catch (JsonException ex)
        {
            error = new WsParseError($"invalid JSON: {FirstSentence(ex.Message)}", null);
            return false;
        }
        catch (InvalidOperationException)
        {
            // A string the reader cannot transcode (invalid UTF-8; the WebSocket checks text frames, but not every caller is one).
            error = new WsParseError("invalid text: not valid UTF-8", null);
            return false;
        }

        if (f.Problem is not null)
        {
            error = new WsParseError(f.Problem, f.RequestId);
            return false;
        }

        var rid = f.RequestId;
        if (f.Type is null)
        {
            error = new WsParseError("type is required: subscribe, unsubscribe, publish or ping", rid);
            return false;
        }

        WsRequestType type;
        switch (f.Type)
        {
            case "subscribe": type = WsRequestType.Subscribe; break;
            case "unsubscribe": type = WsRequestType.Unsubscribe; break;
            case "publish": type = WsRequestType.Publish; break;
            case "ping": type = WsRequestType.Ping; break;
            default:
                error = new WsParseError($"unknown type '{Clip(f.Type)}': use subscribe, unsubscribe, publish or ping", rid);
                return false;
        }

        if (type != WsRequestType.Ping)
        {
            if (f.Topic is null)
            {
                error = new WsParseError("topic is required", rid);
                return false;
            }

            if (!PubSub.Core.PubSubBroker.IsTopicName(f.Topic))
            {
                error = new WsParseError(PubSub.Core.PubSubBroker.TopicNameError(f.Topic), rid);
                return false;
            }
        }

        if (type is WsRequestType.Subscribe or WsRequestType.Unsubscribe && string.IsNullOrEmpty(f.ClientId))
        {
            error = new WsParseError("client_id is required and must be a non-empty string", rid);
            return false;
        }

        if (type == WsRequestType.Subscribe && f.LastN is not null && f.SinceSeq is not null)
        {
            error = new WsParseError("send either last_n or since_seq, not both", rid);
            return false;
        }

        string? messageId = null;
        byte[]? payload = null;
        if (type == WsRequestType.Publish)
        {
            if (!PubSub.Core.PubSubBroker.IsIdempotencyKey(f.IdempotencyKey))
            {
                error = new WsParseError(PubSub.Core.PubSubBroker.IdempotencyKeyError(f.IdempotencyKey!, "idempotency_key"), rid);
                return false;
            }

            if (f.MessageLength == 0)
            {
                error = new WsParseError("message is required and must be an object with a payload", rid);
                return false;
            }

            string? messageError;
            try
            {
                TryReadMessage(frame.Slice(f.MessageStart, f.MessageLength), out messageId, out payload, out messageError);
            }
            catch (InvalidOperationException)
            {
                messageError = "invalid text: message.id is not valid UTF-8";
            }

            if (messageError is not null)
            {
                error = new WsParseError(messageError, rid);
                return false;
            }
        }

        request = new WsRequest
        {
            Type = type,
            Topic = f.Topic,
            ClientId = f.ClientId,
            RequestId = rid,
            LastN = f.LastN is { } n ? (int)Math.Min(n, historyCapacity) : null,
            SinceSeq = f.SinceSeq,
            Epoch = f.Epoch,
            MessageId = messageId,
            Payload = payload,
            IdempotencyKey = f.IdempotencyKey,
        };
        error = default;
        return true;
    }

    private struct Fields
    {
        public string? Type;
        public string? Topic;
        public string? ClientId;
        public byte[]? RequestId;
        public long? LastN;
        public long? SinceSeq;
        public string? Epoch;
        public string? IdempotencyKey;
        public int MessageStart;
        public int MessageLength;
        public string? Problem;
    }

    private static bool TryRead(ReadOnlySpan<byte> frame, out Fields f, out string? shapeError)
    {
        f = default;
        shapeError = null;
        var reader = new Utf8JsonReader(frame, ReaderOptions);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            // Read the rest so that invalid JSON is reported as such, not as "not an object".
            while (reader.Read())
            {
            }

            shapeError = "frame must be a JSON object";
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            var escaped = reader.ValueIsEscaped;
            var propertyName = escaped ? reader.GetString()! : null;
            reader.Read();
            if (Is(name, propertyName, "type"u8))
            {
                f.Type = ReadString(ref reader, "type", ref f.Problem, allowNull: false);
            }
            else if (Is(name, propertyName, "topic"u8))
            {
                f.Topic = ReadString(ref reader, "topic", ref f.Problem, allowNull: true);
            }
            else if (Is(name, propertyName, "client_id"u8))
            {
                f.ClientId = ReadString(ref reader, "client_id", ref f.Problem, allowNull: true);
            }
            else if (Is(name, propertyName, "request_id"u8))
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                f.RequestId = frame[start..(int)reader.BytesConsumed].ToArray();
            }
            else if (Is(name, propertyName, "last_n"u8))
            {
                f.LastN = ReadCount(ref reader, "last_n", ref f.Problem);
            }
            else if (Is(name, propertyName, "since_seq"u8))
            {
                f.SinceSeq = ReadCount(ref reader, "since_seq", ref f.Problem);
            }
            else if (Is(name, propertyName, "epoch"u8))
            {
                f.Epoch = ReadString(ref reader, "epoch", ref f.Problem, allowNull: true);
            }
            else if (Is(name, propertyName, "idempotency_key"u8))
            {
                f.IdempotencyKey = ReadString(ref reader, "idempotency_key", ref f.Problem, allowNull: true);
            }
            else if (Is(name, propertyName, "message"u8))
            {
                var start = (int)reader.TokenStartIndex;
                var isObject = reader.TokenType == JsonTokenType.StartObject;
                var isNull = reader.TokenType == JsonTokenType.Null;
                reader.Skip();
                if (isObject)
                {
                    f.MessageStart = start;
                    f.MessageLength = (int)reader.BytesConsumed - start;
                }
                else if (!isNull)
                {
                    f.Problem ??= "message must be an object with a payload";
                }
            }
            else
            {
                reader.Skip(); // unknown fields are ignored
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            // Trailing content after the object is invalid JSON; the reader throws on it.
            while (reader.Read())
            {
            }
        }

        return true;
    }

    private static bool TryReadMessage(ReadOnlySpan<byte> message, out string? id, out byte[]? payload, out string? error)
    {
        id = null;
        payload = null;
        error = null;
        var reader = new Utf8JsonReader(message, ReaderOptions);
        reader.Read();
        var hasPayload = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            var propertyName = reader.ValueIsEscaped ? reader.GetString() : null;
            reader.Read();
            if (Is(name, propertyName, "id"u8))
            {
                if (reader.TokenType == JsonTokenType.Null)
                {
                    id = null;
                }
                else if (reader.TokenType != JsonTokenType.String)
                {
                    error = "message.id must be a UUID string";
                    return false;
                }
                else
                {
                    id = reader.GetString();
                }
            }
            else if (Is(name, propertyName, "payload"u8))
            {
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                payload = message[start..(int)reader.BytesConsumed].ToArray();
                hasPayload = true;
            }
            else
            {
                reader.Skip();
            }
        }

        if (!hasPayload)
        {
            error = "message.payload is required (any JSON value)";
            return false;
        }

        return true;
    }

    private static bool Is(ReadOnlySpan<byte> raw, string? unescaped, ReadOnlySpan<byte> expected) =>
        unescaped is null ? raw.SequenceEqual(expected) : Encoding.UTF8.GetBytes(unescaped).AsSpan().SequenceEqual(expected);

    private static string? ReadString(ref Utf8JsonReader reader, string field, ref string? problem, bool allowNull)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        if (reader.TokenType == JsonTokenType.Null && allowNull)
        {
            return null;
        }

        problem ??= $"{field} must be a string";
        reader.Skip();
        return null;
    }

    /// <summary>A non-negative integer; integers too big for a long read as long.MaxValue (they are capped later anyway).</summary>
    private static long? ReadCount(ref Utf8JsonReader reader, string field, ref string? problem)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType == JsonTokenType.Number)
        {
            if (reader.TryGetInt64(out var value))
            {
                if (value >= 0)
                {
                    return value;
                }
            }
            else if (IsPlainDigits(reader.ValueSpan))
            {
                return long.MaxValue;
            }
        }
        else
        {
            reader.Skip();
        }

        problem ??= $"{field} must be a non-negative integer";
        return null;
    }

    private static bool IsPlainDigits(ReadOnlySpan<byte> span)
    {
        foreach (var b in span)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return true;
    }

    private static string Clip(string s) => s.Length <= 32 ? s : string.Concat(s.AsSpan(0, 32), "…");

    private static string FirstSentence(string message)
    {
        var dot = message.IndexOf(". ", StringComparison.Ordinal);
        return dot > 0 ? message[..(dot + 1)] : message;
    }
}
