using System.Text.Json.Serialization;
using MessagePack;

namespace PubSub.Server.Hubs;

// Result and server-to-client shapes of PROTOCOL.md §7 (this file and its siblings: UnsubscribeResult, PublishResult,
// DuplicatePublishResult, PingResult, TopicItem, HubEvent, HubInfo, HubError). Each wire name is stated twice on
// purpose: once for System.Text.Json (JSON hub protocol) and once for MessagePack (string keys), so both protocols carry
// the same camelCase fields whatever the serializers' naming defaults are. Requests arrive as HubJson and are read by
// HubRequestParser, so that both protocols share one set of validation rules with /ws.
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
