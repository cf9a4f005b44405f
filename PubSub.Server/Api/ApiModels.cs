using System.Text.Json;
using System.Text.Json.Serialization;

namespace PubSub.Server.Api;

// REST bodies of PROTOCOL.md §6. Property names are snake_case on the wire (ApiJsonContext's policy).

public sealed record ErrorResponse(string Error, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Code = null);

public sealed record HealthResponse(long UptimeSec, int Topics, int Subscribers, int Connections, string Status);

public sealed record TopicStatsBody(long Messages, int Subscribers, DateTimeOffset? LastPublished);

public sealed record StatsResponse(
    Dictionary<string, TopicStatsBody> Topics,
    long UptimeSec,
    int Subscribers,
    Dictionary<string, int> Connections,
    long Published,
    long Delivered,
    long Dropped);

public sealed record TopicListItem(string Name, int Subscribers, DateTimeOffset CreatedAt, long Messages);

public sealed record TopicListResponse(List<TopicListItem> Topics);

public sealed record TopicStatusResponse(string Status, string Topic);

public sealed record TopicDetailResponse(
    string Name,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastPublished,
    long MessageCount,
    int SubscriberCount,
    bool IsActive,
    JsonElement? Metadata,
    int SubscriptionsCount,
    long LastSeq);

public sealed record SubscriberBody(string ClientId, string ConnectionId, string Transport, DateTimeOffset SubscribedAt, string? ClientIp, string? UserAgent);

public sealed record SubscribersResponse(string Topic, int SubscribersCount, List<SubscriberBody> Subscribers);

public sealed record MessageBody(string Id, long Seq, RawJson Payload, string? PublisherId, DateTimeOffset Ts);

public sealed record MessagesResponse(string Topic, List<MessageBody> Messages, int TotalCount, int Limit, int Offset);

public sealed record PublishResponse(string Status, string Topic, string Id, long Seq);

/// <summary>JSON text written as it is (a stored payload), without parsing it again.</summary>
[JsonConverter(typeof(RawJsonConverter))]
public readonly record struct RawJson(ReadOnlyMemory<byte> Utf8);

internal sealed class RawJsonConverter : JsonConverter<RawJson>
{
    public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var doc = JsonDocument.ParseValue(ref reader);
        return new RawJson(JsonSerializer.SerializeToUtf8Bytes(doc.RootElement, ApiJsonContext.Default.JsonElement));
    }

    public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options) =>
        writer.WriteRawValue(value.Utf8.Span, skipInputValidation: true);
}

/// <summary>Timestamps as the protocol writes them: ISO-8601 UTC with milliseconds and <c>Z</c>.</summary>
internal sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Timestamps.Format(value));
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DictionaryKeyPolicy = JsonKnownNamingPolicy.Unspecified,
    Converters = [typeof(UtcTimestampConverter)])]
[JsonSerializable(typeof(ErrorResponse))]
[JsonSerializable(typeof(HealthResponse))]
[JsonSerializable(typeof(StatsResponse))]
[JsonSerializable(typeof(TopicListResponse))]
[JsonSerializable(typeof(TopicStatusResponse))]
[JsonSerializable(typeof(TopicDetailResponse))]
[JsonSerializable(typeof(SubscribersResponse))]
[JsonSerializable(typeof(MessagesResponse))]
[JsonSerializable(typeof(PublishResponse))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;
