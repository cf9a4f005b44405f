using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace PubSub.Tests.Deploy;

/// <summary>
/// Test-only middleware in front of a node's whole pipeline, so a test behind the proxy can see which node answered
/// and what the proxy told it: every response (a WebSocket's 101 too) carries <see cref="NodeHeader"/>, and echoes
/// the request's <c>X-Forwarded-For</c>, <c>X-Forwarded-Proto</c> and <c>Cookie</c> headers when it had them.
/// </summary>
internal sealed class NodeTag(string name) : IStartupFilter
{
    public const string NodeHeader = "X-Test-Node";
    public const string ForwardedForHeader = "X-Test-Saw-Forwarded-For";
    public const string ForwardedProtoHeader = "X-Test-Saw-Forwarded-Proto";
    public const string CookieHeader = "X-Test-Saw-Cookie";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            var request = context.Request;
            var headers = context.Response.Headers;
            headers[NodeHeader] = name;
            foreach (var (from, to) in new[] { ("X-Forwarded-For", ForwardedForHeader), ("X-Forwarded-Proto", ForwardedProtoHeader), ("Cookie", CookieHeader) })
            {
                if (request.Headers.TryGetValue(from, out var value))
                {
                    headers[to] = value;
                }
            }

            return nextMiddleware(context);
        });
        next(app);
    };
}
