using System.Text.Encodings.Web;

namespace PubSub.Server.Api;

/// <summary>
/// How text goes into JSON on the wire (REST bodies, <c>/ws</c> frames): as people read it, <c>topic 'orders'</c> and
/// not <c>topic \u0027orders\u0027</c>. The default encoder escapes HTML-sensitive characters for JSON pasted into a
/// page; these bodies are <c>application/json</c> and WebSocket text, never HTML, so only what JSON itself requires is escaped.
/// </summary>
internal static class WireJson
{
    public static JavaScriptEncoder Encoder => JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
}
