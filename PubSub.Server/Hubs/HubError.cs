using System.Text.Json.Serialization;
using MessagePack;

namespace PubSub.Server.Hubs;

// A hub wire shape (PROTOCOL.md §7); why each name is stated twice, and why public: see SubscribeResult.cs.

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
