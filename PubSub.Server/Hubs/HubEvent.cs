using System.Text.Json.Serialization;
using MessagePack;

namespace PubSub.Server.Hubs;

// A hub wire shape (PROTOCOL.md §7); why each name is stated twice, and why public: see SubscribeResult.cs.

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
