using System.Text.Json;
using System.Text.Json.Serialization;

namespace PubSub.Server.Api;

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
