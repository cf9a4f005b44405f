using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
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
    /// and the per-circuit subscriber. Also serves the static assets of the class libraries (MudBlazor, this one)
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
        return builder;
    }

    /// <summary>
    /// Maps the pages at <c>/</c>, <c>/publisher</c>, <c>/subscriber</c>, redirects the seed's <c>/api/</c>,
    /// <c>/api/publisher/</c>, <c>/api/subscriber/</c> to them, and serves the static assets. Call after
    /// routing, authentication and authorization.
    /// </summary>
    public static WebApplication MapPubSubDashboard(this WebApplication app)
    {
        app.UseAntiforgery();
        app.UseStaticFiles();
        app.MapGet("/api", () => Results.Redirect("/")).ExcludeFromDescription();
        app.MapGet("/api/publisher", () => Results.Redirect("/publisher")).ExcludeFromDescription();
        app.MapGet("/api/subscriber", () => Results.Redirect("/subscriber")).ExcludeFromDescription();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
        return app;
    }
}
