using System.Text.Json.Serialization;

namespace PubSub.Server.Api;

/// <summary>The topic list; <c>total_count</c>, <c>limit</c> and <c>offset</c> only when a page was asked for.</summary>
public sealed record TopicListResponse(
    List<TopicListItem> Topics,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? TotalCount = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Limit = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Offset = null);
