using System.Text;
using System.Text.Json;
using PubSub.Core;

namespace PubSub.Dashboard.Services;

/// <summary>JSON payload helpers for the publisher and subscriber views.</summary>
public static class PayloadText
{
    /// <summary>A payload's text for display, cut at <paramref name="maxChars"/> characters.</summary>
    public static string Of(PublishedMessage message, int maxChars = 2000)
    {
        var bytes = message.Payload.Span;
        var text = Encoding.UTF8.GetString(bytes.Length > maxChars * 4 ? bytes[..(maxChars * 4)] : bytes);
        return text.Length > maxChars ? string.Concat(text.AsSpan(0, maxChars), "…") : text;
    }

    /// <summary>Null when <paramref name="text"/> is one JSON value; otherwise what is wrong and where.</summary>
    public static string? Validate(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return "Payload is required: any JSON value, e.g. {\"hello\":\"world\"}";
        }

        try
        {
            using var document = JsonDocument.Parse(text);
            return null;
        }
        catch (JsonException ex)
        {
            var line = (ex.LineNumber ?? 0) + 1;
            var column = (ex.BytePositionInLine ?? 0) + 1;
            return $"Invalid JSON at line {line}, column {column}";
        }
    }

    /// <summary>Indents a JSON value for reading; returns the text unchanged if it is not JSON.</summary>
    public static string Indent(string text)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return JsonSerializer.Serialize(document.RootElement, Indented);
        }
        catch (JsonException)
        {
            return text;
        }
    }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
}
