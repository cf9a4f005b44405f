using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MudBlazor.Services;
using PubSub.Dashboard.Components;
using PubSub.Dashboard.Services;

namespace PubSub.Dashboard;

/// <summary>Registration of the Blazor dashboard: <c>builder.AddPubSubDashboard()</c> and <c>app.MapPubSubDashboard()</c>.</summary>
public static class DashboardExtensions
{
    /// <summary>
    /// Adds the dashboard's components (Interactive Server), MudBlazor, the shared rate history and its sampler,
    /// the per-circuit subscriber and access check, and the sign-in cookie (<see cref="DashboardAuthentication"/>).
    /// The host registers the <see cref="PubSub.Core.Access.IPubSubAuthorizer"/> every door shares. Also serves the static assets of the class libraries (MudBlazor, this one)
    /// when the server runs from build output in any environment (a no-op for published output).
    /// </summary>
    public static WebApplicationBuilder AddPubSubDashboard(this WebApplicationBuilder builder)
    {
        builder.WebHost.UseStaticWebAssets();
        var services = builder.Services;
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.TryAddSingleton<RateHistory>();
        services.AddHostedService<RateSampler>();
        services.TryAddScoped<LiveSubscriber>();
        services.TryAddScoped<DashboardAccess>();
        services.AddDashboardAuthentication();

        return builder;
    }

    /// <summary>
    /// Serves the static assets (MudBlazor's, this library's, <c>blazor.web.js</c>: public files, no data). Call
    /// before authorization, so that the sign-in page has them before anyone has signed in.
    /// </summary>
    public static WebApplication UsePubSubDashboardAssets(this WebApplication app)
    {
        app.UseStaticFiles();
        return app;
    }

    /// <summary>
    /// Maps the pages at <c>/</c>, <c>/publisher</c>, <c>/subscriber</c>, <c>/cluster/nodes</c>, <c>/cluster/connections</c>
    /// (<c>/nodes</c> and <c>/connections</c> are REST) and <c>/signin</c>, <c>POST /signout</c>,
    /// and redirects the seed's <c>/api/</c>, <c>/api/publisher/</c>, <c>/api/subscriber/</c> to the pages, and serves
    /// <c>/favicon.ico</c> (open). Every page
    /// and the circuit's connection need the <see cref="DashboardAuthentication.Policy"/> (a signed-in key when auth
    /// is on) but the sign-in page. Call after routing, authentication and authorization.
    /// </summary>
    // The tab icon: a "P" on the dashboard's indigo. SVG, which browsers take at /favicon.ico by its content type.
    private const string FaviconSvg = """<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#3949ab"/><path fill="#fff" fill-rule="evenodd" d="M10 7h7a6 6 0 0 1 0 12h-3v6h-4zm4 4v4h3a2 2 0 0 0 0-4z"/></svg>""";

    public static WebApplication MapPubSubDashboard(this WebApplication app)
    {
        app.UseAntiforgery();
        app.MapGet("/api", () => Results.Redirect("/")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/api/publisher", () => Results.Redirect("/publisher")).AllowAnonymous().ExcludeFromDescription();
        app.MapGet("/api/subscriber", () => Results.Redirect("/subscriber")).AllowAnonymous().ExcludeFromDescription();

        // Browsers ask for it on every page (the dashboard's and /docs): open, so that it is never a 404 or a 401.
        app.MapGet("/favicon.ico", (HttpContext http) =>
        {
            http.Response.Headers.CacheControl = "public, max-age=86400";
            return Results.Text(FaviconSvg, "image/svg+xml");
        }).AllowAnonymous().ExcludeFromDescription();
        app.MapDashboardSignOut();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode().RequireAuthorization(DashboardAuthentication.Policy);
        return app;
    }
}
