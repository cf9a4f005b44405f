using System.Text.Json.Serialization;

namespace PubSub.Server.Api;

/// <summary>JSON text written as it is (a stored payload), without parsing it again.</summary>
[JsonConverter(typeof(RawJsonConverter))]
public readonly record struct RawJson(ReadOnlyMemory<byte> Utf8);
