namespace PubSub.Server.Hosting;

/// <summary>
/// Answers <c>HEAD</c> wherever <c>GET</c> is answered (PROTOCOL.md §6; probes use HEAD): the request is routed as a
/// GET, and Kestrel, which knows the request line said HEAD, sends the status and headers without the body.
/// </summary>
internal static class HeadRequests
{
    private static readonly object HeadKey = new();

    /// <summary>Whether the request line said HEAD (it is routed as a GET): an endpoint that streams answers its headers only.</summary>
    public static bool IsHead(HttpContext context) => context.Items.ContainsKey(HeadKey);

    public static IApplicationBuilder UseHeadAsGet(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        if (!HttpMethods.IsHead(context.Request.Method))
        {
            await next(context);
            return;
        }

        context.Request.Method = HttpMethods.Get;
        context.Items[HeadKey] = true;
        try
        {
            await next(context);
        }
        finally
        {
            context.Request.Method = HttpMethods.Head;
        }
    });
}
