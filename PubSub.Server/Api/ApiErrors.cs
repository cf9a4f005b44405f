using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;
using PubSub.Core;

namespace PubSub.Server.Api;

/// <summary>The REST error body <c>{"error":"…","code":"…"}</c>, written the same way from controllers, auth and middleware.</summary>
internal static class ApiErrors
{
    // The context's own options (names, converters) with the wire's encoder, as the controllers' bodies have it.
    private static readonly ApiJsonContext Json = new(new JsonSerializerOptions(ApiJsonContext.Default.Options) { Encoder = WireJson.Encoder });

    public static Task WriteAsync(HttpContext context, int status, string error, string? code = null)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new ErrorResponse(error, code), Json.ErrorResponse));
    }

    public static ObjectResult Result(int status, string error, string? code = null) => new(new ErrorResponse(error, code)) { StatusCode = status };

    /// <summary>403: the key is valid but may not do this.</summary>
    public static ObjectResult Forbidden(string error = "this API key may not do that") => Result(StatusCodes.Status403Forbidden, error, "FORBIDDEN");

    public static ObjectResult FromException(PubSubException ex) => ex.Code switch
    {
        PubSubErrorCode.TopicNotFound => Result(StatusCodes.Status404NotFound, "Topic not found", "TOPIC_NOT_FOUND"),
        PubSubErrorCode.TopicExists => Result(StatusCodes.Status409Conflict, "Topic already exists", "TOPIC_EXISTS"),
        PubSubErrorCode.Forbidden => Result(StatusCodes.Status403Forbidden, ex.Message, "FORBIDDEN"),
        PubSubErrorCode.Unauthorized => Result(StatusCodes.Status401Unauthorized, ex.Message, "UNAUTHORIZED"),
        PubSubErrorCode.RateLimited => Result(StatusCodes.Status429TooManyRequests, ex.Message, "RATE_LIMITED"),
        PubSubErrorCode.LimitExceeded => Result(StatusCodes.Status429TooManyRequests, ex.Message, "LIMIT_EXCEEDED"),
        PubSubErrorCode.BadRequest => Result(StatusCodes.Status400BadRequest, ex.Message, "BAD_REQUEST"),
        PubSubErrorCode.Unavailable => Result(StatusCodes.Status503ServiceUnavailable, ex.Message, "UNAVAILABLE"),
        _ => Result(StatusCodes.Status500InternalServerError, ex.Message, "INTERNAL"),
    };

    /// <summary>
    /// Gives bodiless 404 and 405 answers (unknown path, wrong method) the JSON error body too.
    /// </summary>
    public static Task StatusCodePage(StatusCodeContext context)
    {
        var http = context.HttpContext;
        var (error, code) = http.Response.StatusCode switch
        {
            404 => ("Not found", "NOT_FOUND"),
            405 => ($"Method {http.Request.Method} not allowed on {http.Request.Path}", "METHOD_NOT_ALLOWED"),
            415 => ("Unsupported media type", "BAD_REQUEST"),
            429 => ("Too many requests", "RATE_LIMITED"),
            var s => ($"HTTP {s}", null),
        };
        return WriteAsync(http, http.Response.StatusCode, error, code);
    }
}
