using System.Text.Json.Serialization;
using MessagePack;

namespace PubSub.Server.Hubs;

// A hub wire shape (PROTOCOL.md §7); why each name is stated twice, and why public: see SubscribeResult.cs.

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
