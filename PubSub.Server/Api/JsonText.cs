using System.Text.Json;

namespace PubSub.Server.Api;

/// <summary>Checks on JSON text that its readers leave to the first <c>GetString</c>, shared by REST bodies and /ws frames.</summary>
internal static class JsonText
{
    /// <summary>
    /// True when an escaped string or property name holds a lone surrogate (<c>"\ud800"</c>): valid JSON text that no
    /// string can hold. Only escapes can hide one in valid UTF-8, so text without <c>\u</c> is passed at once.
    /// Throws <see cref="JsonException"/> on invalid JSON.
    /// </summary>
    public static bool HasLoneSurrogate(ReadOnlySpan<byte> json, int maxDepth)
    {
        if (json.IndexOf("\\u"u8) < 0)
        {
            return false;
        }

        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = maxDepth });
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
            {
                try
                {
                    reader.GetString();
                }
                catch (InvalidOperationException)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
