using System.Buffers;
using System.Text.Json;

namespace PubSub.Server.Api;

/// <summary>
/// Reads a request body as JSON whatever its Content-Type (a <c>curl -d</c> without <c>-H</c> still works),
/// refusing bodies over a limit before buffering them.
/// </summary>
internal static class JsonBody
{
    public static async Task<(JsonDocument? Document, string? Error, int Status)> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, $"request body exceeds {maxBytes} bytes", StatusCodes.Status413PayloadTooLarge);
        }

        // MVC reads a form-encoded body (what curl -d sends without -H) as a form before the action runs;
        // the body is buffered (see UseRewindableBodies), so read it again from the start as JSON.
        if (request.Body.CanSeek)
        {
            request.Body.Position = 0;
        }

        var buffer = new ArrayBufferWriter<byte>(Math.Min(maxBytes, 4096));
        while (true)
        {
            var memory = buffer.GetMemory(4096);
            var read = await request.Body.ReadAsync(memory, cancellationToken);
            if (read == 0)
            {
                break;
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > maxBytes)
            {
                return (null, $"request body exceeds {maxBytes} bytes", StatusCodes.Status413PayloadTooLarge);
            }
        }

        if (buffer.WrittenCount == 0)
        {
            return (null, "request body is empty: send a JSON object", StatusCodes.Status400BadRequest);
        }

        return Parse(buffer.WrittenMemory);
    }

    /// <summary>
    /// Parses a body as JSON, refusing text that JSON readers accept but no string can hold: invalid UTF-8
    /// (the reader checks it only when a string is read) and escaped lone surrogates (<c>"\ud800"</c>), anywhere,
    /// so neither reaches a topic name, metadata or a payload that subscribers would then fail to read.
    /// </summary>
    internal static (JsonDocument? Document, string? Error, int Status) Parse(ReadOnlyMemory<byte> body)
    {
        if (!System.Text.Unicode.Utf8.IsValid(body.Span))
        {
            return (null, "request body is not valid UTF-8", StatusCodes.Status400BadRequest);
        }

        try
        {
            if (JsonText.HasLoneSurrogate(body.Span, MaxDepth))
            {
                return (null, "request body has a lone surrogate escape (\\uD800-\\uDFFF without its pair)", StatusCodes.Status400BadRequest);
            }

            return (JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = MaxDepth }), null, 0);
        }
        catch (JsonException ex)
        {
            return (null, $"invalid JSON body: {ex.Message}", StatusCodes.Status400BadRequest);
        }
    }

    private const int MaxDepth = 64;

    /// <summary>Makes POST bodies rewindable so <see cref="ReadAsync"/> sees them whatever read them first.</summary>
    public static IApplicationBuilder UseRewindableBodies(this IApplicationBuilder app) => app.Use((context, next) =>
    {
        if (HttpMethods.IsPost(context.Request.Method))
        {
            context.Request.EnableBuffering();
        }

        return next(context);
    });
}
