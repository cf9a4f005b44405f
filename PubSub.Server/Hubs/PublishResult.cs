using System.Text.Json.Serialization;
using MessagePack;

namespace PubSub.Server.Hubs;

// A hub wire shape (PROTOCOL.md §7); why each name is stated twice, and why public: see SubscribeResult.cs.

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
