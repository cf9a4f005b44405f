namespace PubSub.Server.Api;

/// <summary>
/// Answers a request that Kestrel finds malformed while the app reads it (a bad chunked body, its chunk size
/// overflowing included, a body sent slower
/// than <c>Kestrel:Limits:MinRequestBodyDataRate</c>, one over <c>MaxRequestBodySize</c>) with its own status
/// (400, 408, 413) and the JSON error body, logged in one line at debug level: a client's mistake, not the
/// server's, so neither a 500 nor an error-level stack trace.
/// </summary>
internal static partial class ClientErrors
{
    public static IApplicationBuilder UseClientErrors(this IApplicationBuilder app)
    {
        var logger = app.ApplicationServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ClientErrors).FullName!);
        return app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (BadHttpRequestException ex)
            {
                await RefuseAsync(context, logger, ex.StatusCode, ex.Message);
            }
            catch (IOException ex) when (IsChunkSizeOverflow(ex))
            {
                await RefuseAsync(context, logger, StatusCodes.Status400BadRequest, "Bad chunk size data: the chunk size overflows");
            }
        });
    }

    private static async Task RefuseAsync(HttpContext context, ILogger logger, int status, string reason)
    {
        Log.BadRequest(logger, context.Request.Method, context.Request.Path, status, reason);
        if (!context.Response.HasStarted)
        {
            await ApiErrors.WriteAsync(context, status, reason, "BAD_REQUEST");
        }
    }

    // Kestrel reports a chunk size too large for its counter not as a bad request but as an IOException ("Bad chunk
    // size data") around the OverflowException of its checked arithmetic: the same client mistake as a non-hex size.
    private static bool IsChunkSizeOverflow(IOException ex) =>
        ex.InnerException is OverflowException
        && ex.TargetSite?.DeclaringType?.FullName?.StartsWith("Microsoft.AspNetCore.Server.Kestrel", StringComparison.Ordinal) == true;

    private static partial class Log
    {
        [LoggerMessage(411, LogLevel.Debug, "Bad request {Method} {Path}: {Status} {Reason}")]
        public static partial void BadRequest(ILogger logger, string method, PathString path, int status, string reason);
    }
}
