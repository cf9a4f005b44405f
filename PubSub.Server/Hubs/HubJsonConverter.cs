using System.Text.Json;
using System.Text.Json.Serialization;

namespace PubSub.Server.Hubs;

/// <summary>Reads any JSON value as its raw text (null included, so "null" and "absent" stay different) and writes it back verbatim.</summary>
internal sealed class HubJsonConverter : JsonConverter<HubJson>
{
    public override bool HandleNull => true;

    public override HubJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        using var document = JsonDocument.ParseValue(ref reader);
        return new HubJson(System.Runtime.InteropServices.JsonMarshal.GetRawUtf8Value(document.RootElement).ToArray());
    }

    public override void Write(Utf8JsonWriter writer, HubJson value, JsonSerializerOptions options)
    {
        if (value is null)
        {
            writer.WriteNullValue();
            return;
        }

        writer.WriteRawValue(value.Utf8.Span, skipInputValidation: true);
    }
}
