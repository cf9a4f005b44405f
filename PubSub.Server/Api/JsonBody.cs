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

        try
        {
            return (JsonDocument.Parse(buffer.WrittenMemory, new JsonDocumentOptions { MaxDepth = 64 }), null, 0);
        }
        catch (JsonException ex)
        {
            return (null, $"invalid JSON body: {ex.Message}", StatusCodes.Status400BadRequest);
        }
    }

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
