using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using PubSub.Server.Api;

namespace PubSub.Server.Hosting;

/// <summary>
/// The origin rule of PROTOCOL.md §4: a request that carries <c>Origin</c> and either upgrades (WebSocket on
/// <c>/ws</c>, the hub, Blazor's <c>/_blazor</c>), opens an event stream (§10) or changes state (any method but GET, HEAD, OPTIONS, TRACE) is
/// refused with 403 unless the origin is the server's own (same scheme, host and port as the request) or listed in
/// <see cref="OriginOptions.AllowedOrigins"/>. Browsers always send <c>Origin</c> on those requests and a page
/// cannot forge it, so this closes cross-site WebSocket hijacking and cross-site form posts; scripts, SDKs and curl
/// send none and pass. CORS would not do: it hides responses from pages, it never refuses a request.
/// </summary>
internal sealed partial class OriginCheck(RequestDelegate next, IOptions<OriginOptions> options, ILogger<OriginCheck> logger)
{
    private readonly OriginOptions _options = options.Value;
    private readonly HashSet<(string Scheme, string Host, int Port)> _allowed = options.Value.AllowedOrigins
        .Select(Parse).OfType<(string, string, int)>().ToHashSet();

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        string? origin = request.Headers.Origin;
        if (origin is null || _options.AllowsAny || !Guards(request) || IsAllowed(origin, request))
        {
            return next(context);
        }

        Log.Refused(logger, origin, request.Method, request.Path);
        return ApiErrors.WriteAsync(context, StatusCodes.Status403Forbidden, $"origin {origin} may not call this server (PubSub:AllowedOrigins)", "FORBIDDEN");
    }

    /// <summary><c>scheme://host[:port]</c> as (scheme, host, port) with the scheme's default port filled in; null when it is no origin.</summary>
    internal static (string Scheme, string Host, int Port)? Parse(string origin) =>
        Uri.TryCreate(origin, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.AbsolutePath == "/" &&
        string.IsNullOrEmpty(uri.Query) && string.IsNullOrEmpty(uri.Fragment) && string.IsNullOrEmpty(uri.UserInfo) && !origin.EndsWith('/')
            ? (uri.Scheme, uri.IdnHost.ToLowerInvariant(), uri.Port)
            : null;

    private static bool Guards(HttpRequest request) =>
        !(HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method) || HttpMethods.IsOptions(request.Method) || HttpMethods.IsTrace(request.Method))
        || request.Headers.ContainsKey(HeaderNames.Upgrade)
        || Sse.EventStreamController.IsStreamPath(request.Path); // an event stream is a long read, guarded as an upgrade is

    private bool IsAllowed(string origin, HttpRequest request)
    {
        if (Parse(origin) is not { } parsed)
        {
            return false; // "null" (sandboxed pages, file://) and garbage are nobody's own
        }

        if (_allowed.Contains(parsed))
        {
            return true;
        }

        var own = Parse($"{request.Scheme}://{request.Host.Value}");
        return own == parsed;
    }

    private static partial class Log
    {
        [LoggerMessage(421, LogLevel.Debug, "Refused {Method} {Path} from origin {Origin}: not the server's own and not in PubSub:AllowedOrigins")]
        public static partial void Refused(ILogger logger, string origin, string method, PathString path);
    }
}
