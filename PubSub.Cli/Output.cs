using System.Text.Json;

namespace PubSub.Cli;

/// <summary>
/// Standard output as JSON lines (one object per line, flushed, so it pipes into <c>jq</c> or a file as it comes) and
/// standard error for notices meant for people.
/// </summary>
internal static class Output
{
    private static readonly Stream Stdout = Console.OpenStandardOutput();
    private static readonly Lock Gate = new();

    public static void Line(JsonElement value) => Line(w => value.WriteTo(w));

    public static void Line(Action<Utf8JsonWriter> write)
    {
        lock (Gate)
        {
            using (var writer = new Utf8JsonWriter(Stdout, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
            {
                write(writer);
            }

            Stdout.Write("\n"u8);
            Stdout.Flush();
        }
    }

    public static void Notice(string text)
    {
        lock (Gate)
        {
            Console.Error.WriteLine("pubsub: " + text);
        }
    }
}
