using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using PubSub.Core.Access;

namespace PubSub.Dashboard;

/// <summary>
/// Sign-in for the dashboard when auth is on: the key, typed once on <c>/signin</c>, becomes an auth cookie (ASP.NET
/// Core cookie authentication, data-protected, HttpOnly, SameSite=Strict) holding the key's id, never the key; every
/// page and the circuit's <c>/_blazor</c> connection require it; <c>POST /signout</c> removes it. With auth off the
/// pages are open, as before. The cookie is the dashboard's only: REST, <c>/ws</c> and the hub take API keys.
/// </summary>
public static class DashboardAuthentication
{
    /// <summary>The cookie scheme's name.</summary>
    public const string Scheme = "PubSub.Dashboard";

    /// <summary>The authorization policy of every dashboard endpoint.</summary>
    public const string Policy = "PubSub.Dashboard";

    /// <summary>Where the sign-in page is.</summary>
    public const string SignInPath = "/signin";

    /// <summary>Where the sign-out form posts.</summary>
    public const string SignOutPath = "/signout";

    internal static IServiceCollection AddDashboardAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication().AddCookie(Scheme, cookie =>
        {
            cookie.Cookie.Name = "pubsub.dashboard";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Strict;
            cookie.LoginPath = SignInPath;
            cookie.LogoutPath = SignOutPath;
            cookie.AccessDeniedPath = SignInPath;
            cookie.SlidingExpiration = true;
            cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
            cookie.Events.OnValidatePrincipal = context =>
            {
                // A key removed from the configuration (or its secret changed) signs its cookies out.
                if (!context.HttpContext.RequestServices.GetRequiredService<IPubSubAuthorizer>().IsKnown(context.Principal))
                {
                    context.RejectPrincipal();
                }

                return Task.CompletedTask;
            };
        });
        services.AddCascadingAuthenticationState();
        services.AddOptions<AuthorizationOptions>().Configure<IPubSubAuthorizer>((authorization, authorizer) =>
            authorization.AddPolicy(Policy, authorizer.Enabled
                ? new AuthorizationPolicyBuilder(Scheme).RequireAuthenticatedUser().Build()
                : new AuthorizationPolicyBuilder().RequireAssertion(_ => true).Build()));
        return services;
    }

    /// <summary><c>POST /signout</c>: drops the cookie and goes to the sign-in page.</summary>
    internal static void MapDashboardSignOut(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapPost(SignOutPath, async (HttpContext http) =>
        {
            await http.SignOutAsync(Scheme);
            return Results.LocalRedirect(SignInPath);
        }).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();

    /// <summary>
    /// A return address that stays on this server (a path, not <c>//host</c> or <c>/\host</c>), else <c>/</c>:
    /// the sign-in page must not become an open redirect.
    /// </summary>
    public static string LocalReturnUrl(string? returnUrl) =>
        returnUrl is { Length: > 0 } url && url[0] == '/' && (url.Length == 1 || (url[1] != '/' && url[1] != '\\')) ? url : "/";
}
