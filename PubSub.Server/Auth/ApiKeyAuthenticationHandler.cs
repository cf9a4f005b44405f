using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using PubSub.Core.Access;
using PubSub.Server.Api;

namespace PubSub.Server.Auth;

/// <summary>
/// Authenticates a request by API key: header <c>X-API-Key</c>, or for browsers (which cannot set headers on a
/// WebSocket or EventSource) query <c>api_key</c> or SignalR's <c>access_token</c>. Answers a challenge with
/// 401 and a forbid with 403, both as the JSON error body every REST route uses.
/// </summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IPubSubAuthorizer keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-API-Key";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? presented = Request.Headers[HeaderName];
        if (string.IsNullOrEmpty(presented))
        {
            presented = Request.Query["api_key"];
        }

        if (string.IsNullOrEmpty(presented))
        {
            presented = Request.Query["access_token"];
        }

        if (string.IsNullOrEmpty(presented) && Request.Headers.Authorization.ToString() is { } authorization &&
            authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            // SignalR clients send accessTokenFactory's token this way on negotiate (and as access_token on WebSockets).
            presented = authorization["Bearer ".Length..].Trim();
        }

        if (string.IsNullOrEmpty(presented))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var principal = keys.Authenticate(presented, SchemeName);
        if (principal is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("invalid API key"));
        }

        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        ApiErrors.WriteAsync(Context, StatusCodes.Status401Unauthorized, "missing or invalid API key (send header X-API-Key or query api_key)", "UNAUTHORIZED");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        ApiErrors.WriteAsync(Context, StatusCodes.Status403Forbidden, "this API key may not do that", "FORBIDDEN");
}
