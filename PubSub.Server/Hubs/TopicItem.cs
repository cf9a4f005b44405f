using System.Text.Json.Serialization;
using MessagePack;

namespace PubSub.Server.Hubs;

// A hub wire shape (PROTOCOL.md §7); why each name is stated twice, and why public: see SubscribeResult.cs.

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
