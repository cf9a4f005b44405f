namespace PubSub.Server.Api;

/// <summary>
/// Answers a request that Kestrel finds malformed while the app reads it (a bad chunked body, a body sent slower
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
                Log.BadRequest(logger, context.Request.Method, context.Request.Path, ex.StatusCode, ex.Message);
                if (!context.Response.HasStarted)
                {
                    await ApiErrors.WriteAsync(context, ex.StatusCode, ex.Message, "BAD_REQUEST");
                }
            }
        });
    }

    private static partial class Log
    {
        [LoggerMessage(411, LogLevel.Debug, "Bad request {Method} {Path}: {Status} {Reason}")]
        public static partial void BadRequest(ILogger logger, string method, PathString path, int status, string reason);
    }
}
