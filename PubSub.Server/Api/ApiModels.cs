using System.Text.Json;
using System.Text.Json.Serialization;

namespace PubSub.Server.Api;

// REST bodies of PROTOCOL.md §6. Property names are snake_case on the wire (ApiJsonContext's policy).

public sealed record ErrorResponse(string Error, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Code = null);

/// <summary>v1's health body; <c>topics</c>, <c>subscribers</c> and <c>connections</c> count every node, <c>uptime_sec</c> is this node's, <c>node</c> its id.</summary>
public sealed record HealthResponse(long UptimeSec, int Topics, int Subscribers, int Connections, string Status, string Node);

/// <summary>
/// <c>GET /health/live</c> and <c>/health/ready</c> (PROTOCOL.md §8): <c>status</c> is <c>healthy</c>, <c>degraded</c> or
/// <c>unhealthy</c> (then 503); <c>node</c> the answering node's id; one entry per check.
/// </summary>
public sealed record HealthProbeResponse(string Status, string Node, double DurationMs, List<HealthCheckBody> Checks);

/// <summary>One health check: its name (<c>process</c>, <c>redis</c>, <c>cluster</c>), status and duration, what it says and, when it failed, why.</summary>
public sealed record HealthCheckBody(string Name, string Status, double DurationMs)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Description { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }
}

public sealed record NodeBody(string Id, string? Address, DateTimeOffset StartedAt, DateTimeOffset LastSeen, int Connections, int Subscriptions, bool Self);

/// <summary><c>GET /api/nodes/</c>: every live node of the cluster (PROTOCOL.md §8); <c>node</c> is the one that answered.</summary>
public sealed record NodesResponse(List<NodeBody> Nodes, string Node);

public sealed record ConnectionBody(string Id, string Node, string Transport, string? ClientIp, string? UserAgent, DateTimeOffset ConnectedAt, List<string> Topics, long Delivered, long Dropped, int Queued);

/// <summary>
/// <c>GET /api/connections/</c>: a page of every node's connections the key may see; <c>unanswered</c> lists nodes that did
/// not answer in time (their connections are missing); <c>next_cursor</c> continues the list (null after the last page).
/// </summary>
public sealed record ConnectionsResponse(List<ConnectionBody> Connections, List<string> Unanswered, string? NextCursor);

public sealed record DisconnectResponse(string Status, string Connection);

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

/// <summary>The topic list; <c>total_count</c>, <c>limit</c> and <c>offset</c> only when a page was asked for.</summary>
public sealed record TopicListResponse(
    List<TopicListItem> Topics,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? TotalCount = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Limit = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Offset = null);

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
    long LastSeq,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? CreatedBy = null);

public sealed record SubscriberBody(string ClientId, string ConnectionId, string Transport, DateTimeOffset SubscribedAt, string? ClientIp, string? UserAgent, string? Node);

public sealed record SubscribersResponse(string Topic, int SubscribersCount, List<SubscriberBody> Subscribers);

public sealed record MessageBody(string Id, long Seq, RawJson Payload, string? PublisherId, DateTimeOffset Ts);

public sealed record MessagesResponse(string Topic, List<MessageBody> Messages, int TotalCount, int Limit, int Offset);

/// <summary>The answer to a publish over HTTP.</summary>
/// <param name="Status">Always "published".</param>
/// <param name="Topic">The topic.</param>
/// <param name="Id">The message id (for a repeated Idempotency-Key, the first publish's).</param>
/// <param name="Seq">The message's seq (for a repeated Idempotency-Key, the first publish's).</param>
/// <param name="Duplicate">True (status 200) when the Idempotency-Key was seen within the window and nothing was published; absent otherwise.</param>
public sealed record PublishResponse(string Status, string Topic, string Id, long Seq, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Duplicate = null);

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
[JsonSerializable(typeof(NodesResponse))]
[JsonSerializable(typeof(ConnectionsResponse))]
[JsonSerializable(typeof(DisconnectResponse))]
[JsonSerializable(typeof(StatsResponse))]
[JsonSerializable(typeof(TopicListResponse))]
[JsonSerializable(typeof(TopicStatusResponse))]
[JsonSerializable(typeof(TopicDetailResponse))]
[JsonSerializable(typeof(SubscribersResponse))]
[JsonSerializable(typeof(MessagesResponse))]
[JsonSerializable(typeof(PublishResponse))]
[JsonSerializable(typeof(JsonElement))]
internal sealed partial class ApiJsonContext : JsonSerializerContext;

// Request bodies as the OpenAPI document describes them. The controllers read bodies themselves (JsonBody), so that
// any Content-Type is read as JSON and errors keep the protocol's wording; these records are the documented shape.

/// <summary>Body of <c>POST /api/topics/create/</c> and <c>POST /topics</c>.</summary>
/// <param name="Name">The topic's name: 1 to 128 characters of A-Z a-z 0-9 . _ - :, starting with a letter or digit.</param>
/// <param name="Metadata">Anything JSON, kept with the topic and shown in its details.</param>
public sealed record CreateTopicRequest([property: System.ComponentModel.DataAnnotations.Required] string Name, JsonElement? Metadata = null);

/// <summary>Body of <c>POST /api/topics/{name}/messages/</c>: publish over HTTP.</summary>
/// <param name="Payload">The message: any JSON value, delivered to subscribers as it is.</param>
/// <param name="Id">The message's id, a UUID; assigned when absent.</param>
/// <param name="ClientId">Shown to subscribers and in history as the publisher; <c>rest</c> when absent.</param>
public sealed record PublishRequest([property: System.ComponentModel.DataAnnotations.Required] JsonElement Payload, string? Id = null, string? ClientId = null);
