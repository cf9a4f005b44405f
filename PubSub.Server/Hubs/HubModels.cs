using System.Text.Json.Serialization;
using MessagePack;

namespace PubSub.Server.Hubs;

// Result and server-to-client shapes of PROTOCOL.md §7. Each wire name is stated twice on purpose: once for
// System.Text.Json (JSON hub protocol) and once for MessagePack (string keys), so both protocols carry the
// same camelCase fields whatever the serializers' naming defaults are. Requests arrive as HubJson and are
// read by HubRequestParser, so that both protocols share one set of validation rules with /ws.
// Public: SignalR's MessagePack resolver can only generate formatters for public types.

/// <summary>The result of <c>Subscribe</c>: <c>{"topic","status","seq","gap"}</c>.</summary>
[MessagePackObject]
public sealed class SubscribeResult
{
    [Key("topic"), JsonPropertyName("topic")]
    public string Topic { get; init; } = "";

    [Key("status"), JsonPropertyName("status")]
    public string Status { get; init; } = "ok";

    /// <summary>The topic's latest seq when the subscription began.</summary>
    [Key("seq"), JsonPropertyName("seq")]
    public long Seq { get; init; }

    /// <summary>True when a <c>sinceSeq</c> resume asked for messages no longer retained.</summary>
    [Key("gap"), JsonPropertyName("gap")]
    public bool Gap { get; init; }

    /// <summary>The topic's epoch (PROTOCOL.md §8): send it back with <c>sinceSeq</c> to resume.</summary>
    [Key("epoch"), JsonPropertyName("epoch")]
    public string Epoch { get; init; } = "";
}

/// <summary>The result of <c>Unsubscribe</c>: <c>{"topic","status"}</c>.</summary>
[MessagePackObject]
public sealed class UnsubscribeResult
{
    [Key("topic"), JsonPropertyName("topic")]
    public string Topic { get; init; } = "";

    [Key("status"), JsonPropertyName("status")]
    public string Status { get; init; } = "ok";
}

/// <summary>The result of <c>Publish</c>: <c>{"topic","status","id","seq"}</c> (a repeated key: <see cref="DuplicatePublishResult"/>).</summary>
[MessagePackObject]
public class PublishResult
{
    [Key("topic"), JsonPropertyName("topic")]
    public string Topic { get; init; } = "";

    [Key("status"), JsonPropertyName("status")]
    public string Status { get; init; } = "ok";

    [Key("id"), JsonPropertyName("id")]
    public string Id { get; init; } = "";

    [Key("seq"), JsonPropertyName("seq")]
    public long Seq { get; init; }
}

/// <summary>
/// The result of a <c>Publish</c> whose <c>idempotencyKey</c> the topic has seen: the first publish's id and seq, and
/// <c>"duplicate": true</c>. A type of its own, so that every other result stays exactly <c>{"topic","status","id","seq"}</c>
/// in both protocols (MessagePack has no "leave out when null"); SignalR writes a result by its runtime type.
/// </summary>
[MessagePackObject]
public sealed class DuplicatePublishResult : PublishResult
{
    [Key("duplicate"), JsonPropertyName("duplicate")]
    public bool Duplicate => true;
}

/// <summary>The result of <c>Ping</c>: <c>{"ts"}</c>.</summary>
[MessagePackObject]
public sealed class PingResult
{
    [Key("ts"), JsonPropertyName("ts")]
    public string Ts { get; init; } = "";
}

/// <summary>One item of the <c>ListTopics</c> result: <c>{"name","subscribers","createdAt"}</c>.</summary>
[MessagePackObject]
public sealed class TopicItem
{
    [Key("name"), JsonPropertyName("name")]
    public string Name { get; init; } = "";

    /// <summary>Active subscriptions on this node.</summary>
    [Key("subscribers"), JsonPropertyName("subscribers")]
    public int Subscribers { get; init; }

    [Key("createdAt"), JsonPropertyName("createdAt")]
    public string CreatedAt { get; init; } = "";
}

/// <summary>The <c>Event</c> call and each <c>Stream</c> item: <c>{"topic","id","seq","payload","ts"}</c>.</summary>
[MessagePackObject]
public sealed class HubEvent
{
    [Key("topic"), JsonPropertyName("topic")]
    public string Topic { get; init; } = "";

    [Key("id"), JsonPropertyName("id")]
    public string Id { get; init; } = "";

    [Key("seq"), JsonPropertyName("seq")]
    public long Seq { get; init; }

    /// <summary>The payload exactly as published (any JSON value; a MessagePack value with that protocol).</summary>
    [Key("payload"), JsonPropertyName("payload")]
    public HubJson Payload { get; init; } = HubJson.Null;

    [Key("ts"), JsonPropertyName("ts")]
    public string Ts { get; init; } = "";
}

/// <summary>The <c>Info</c> call: <c>{"msg","topic"?,"ts"}</c>.</summary>
[MessagePackObject]
public sealed class HubInfo
{
    /// <summary><c>topic_deleted</c>, <c>gap</c>, <c>reset</c>, <c>ping</c>, <c>server_shutdown</c> or <c>disconnected</c>.</summary>
    [Key("msg"), JsonPropertyName("msg")]
    public string Msg { get; init; } = "";

    /// <summary>The topic, for <c>topic_deleted</c> and <c>gap</c>; absent (JSON) or nil (MessagePack) otherwise.</summary>
    [Key("topic"), JsonPropertyName("topic"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Topic { get; init; }

    /// <summary>For <c>gap</c>: the first seq lost (PROTOCOL.md §8).</summary>
    [Key("fromSeq"), JsonPropertyName("fromSeq"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? FromSeq { get; init; }

    /// <summary>For <c>gap</c>: the last seq lost; delivery goes on after it.</summary>
    [Key("toSeq"), JsonPropertyName("toSeq"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? ToSeq { get; init; }

    /// <summary>For <c>reset</c>: the topic's new epoch (PROTOCOL.md §8); its messages after <see cref="Seq"/> follow.</summary>
    [Key("epoch"), JsonPropertyName("epoch"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Epoch { get; init; }

    /// <summary>For <c>reset</c>: the seq of the new epoch after which delivery goes on.</summary>
    [Key("seq"), JsonPropertyName("seq"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public long? Seq { get; init; }

    /// <summary>For <c>disconnected</c>: why an operator closed the connection.</summary>
    [Key("reason"), JsonPropertyName("reason"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Reason { get; init; }

    [Key("ts"), JsonPropertyName("ts")]
    public string Ts { get; init; } = "";
}

/// <summary>The <c>Error</c> call: <c>{"code","message","ts"}</c>.</summary>
[MessagePackObject]
public sealed class HubError
{
    [Key("code"), JsonPropertyName("code")]
    public string Code { get; init; } = "";

    [Key("message"), JsonPropertyName("message")]
    public string Message { get; init; } = "";

    [Key("ts"), JsonPropertyName("ts")]
    public string Ts { get; init; } = "";
}
