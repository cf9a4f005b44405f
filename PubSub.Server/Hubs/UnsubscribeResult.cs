using System.Text.Json.Serialization;
using MessagePack;

namespace PubSub.Server.Hubs;

// A hub wire shape (PROTOCOL.md §7); why each name is stated twice, and why public: see SubscribeResult.cs.

/// <summary>The result of <c>Unsubscribe</c>: <c>{"topic","status"}</c>.</summary>
[MessagePackObject]
public sealed class UnsubscribeResult
{
    [Key("topic"), JsonPropertyName("topic")]
    public string Topic { get; init; } = "";

    [Key("status"), JsonPropertyName("status")]
    public string Status { get; init; } = "ok";
}
