using System.Text.Encodings.Web;

namespace PubSub.Server.Api;

/// <summary>
/// How text goes into JSON on the wire (<c>/ws</c> frames, the REST error bodies written outside MVC, the probes; MVC's
/// own writer already does the same): as people read it, <c>topic 'orders'</c> and
/// not <c>topic \u0027orders\u0027</c>. The default encoder escapes HTML-sensitive characters for JSON pasted into a
/// page; these bodies are <c>application/json</c> and WebSocket text, never HTML, so only what JSON itself requires is escaped.
/// </summary>
internal static class WireJson
{
    public static JavaScriptEncoder Encoder => JavaScriptEncoder.UnsafeRelaxedJsonEscaping;
}
