using System.Text.Json.Serialization;
using MessagePack;

namespace PubSub.Server.Hubs;

// A hub wire shape (PROTOCOL.md §7); why each name is stated twice, and why public: see SubscribeResult.cs.

/// <summary>The result of <c>Ping</c>: <c>{"ts"}</c>.</summary>
[MessagePackObject]
public sealed class PingResult
{
    [Key("ts"), JsonPropertyName("ts")]
    public string Ts { get; init; } = "";
}
