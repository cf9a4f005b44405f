using System.Text.Json;
using System.Text.Json.Serialization;

namespace PubSub.Server.Api;

/// <summary>Timestamps as the protocol writes them: ISO-8601 UTC with milliseconds and <c>Z</c>.</summary>
internal sealed class UtcTimestampConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Timestamps.Format(value));
}
