using System.Text.Json.Serialization;
using MessagePack;

namespace PubSub.Server.Hubs;

// A hub wire shape (PROTOCOL.md §7); why each name is stated twice, and why public: see SubscribeResult.cs.

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
