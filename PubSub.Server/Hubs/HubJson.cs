using System.Text.Json.Serialization;
using MessagePack;

namespace PubSub.Server.Hubs;

/// <summary>
/// A JSON value as UTF-8 text, carried through either hub protocol: written verbatim by the JSON protocol, and
/// converted to and from the equivalent MessagePack value (map, array, string, number, bool, nil) by the
/// MessagePack protocol. Requests arrive as this type so one parser validates both protocols; payloads leave
/// as it so a stored payload is never parsed into objects.
/// </summary>
[JsonConverter(typeof(HubJsonConverter))]
[MessagePackFormatter(typeof(HubJsonMessagePackFormatter))]
public sealed class HubJson(ReadOnlyMemory<byte> utf8)
{
    /// <summary>JSON <c>null</c>.</summary>
    public static readonly HubJson Null = new("null"u8.ToArray());

    /// <summary>The value as UTF-8 JSON text.</summary>
    public ReadOnlyMemory<byte> Utf8 { get; } = utf8;

    public override string ToString() => System.Text.Encoding.UTF8.GetString(Utf8.Span);
}
