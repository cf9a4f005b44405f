using System.Text.Json;
using System.Text.Json.Serialization;

namespace PubSub.Server.Api;

// REST bodies of PROTOCOL.md §6. Property names are snake_case on the wire (this context's policy).

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
