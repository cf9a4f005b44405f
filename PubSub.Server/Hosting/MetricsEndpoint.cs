using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace PubSub.Server.Hosting;

/// <summary>Where <c>/metrics</c> listens and who may read it (see <see cref="MetricsOptions"/>).</summary>
internal static partial class MetricsEndpoint
{
    public const string Path = "/metrics";

    public static MetricsOptions Read(IConfiguration configuration) =>
        configuration.GetSection(MetricsOptions.SectionName).Get<MetricsOptions>() ?? new MetricsOptions();

    /// <summary>With a metrics port, adds <c>http://{host of the first address}:{port}</c> to the server's addresses.</summary>
    public static WebApplicationBuilder AddMetricsListener(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<MetricsOptions>().Bind(builder.Configuration.GetSection(MetricsOptions.SectionName)).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<MetricsOptions>, MetricsOptionsValidator>();
        var options = Read(builder.Configuration);
        var urls = builder.Configuration[WebHostDefaults.ServerUrlsKey];
        if (options is { Enabled: true, Port: { } port and > 0 and < 65536 } && !string.IsNullOrEmpty(urls))
        {
            // Kestrel:Endpoints replace the addresses: there the metrics port must be listed as an endpoint of its own.
            var host = FirstHost().Match(urls) is { Success: true } m ? m.Groups["host"].Value : "localhost";
            builder.WebHost.UseUrls($"{urls};http://{host}:{port}");
        }

        return builder;
    }

    /// <summary>Maps <c>/metrics</c>: on the main address under the fallback (auth) policy, or alone on the metrics port.</summary>
    public static WebApplication UsePubSubMetrics(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<MetricsOptions>>().Value;
        if (!options.Enabled)
        {
            return app;
        }

        if (options.Port is not { } port)
        {
            app.MapPrometheusScrapingEndpoint(Path);
            return app;
        }

        // Decided by the socket's local port, never by the Host header (which a client chooses), and before
        // authentication: the port is the access rule. Everything else on that port is 404.
        app.UseOpenTelemetryPrometheusScrapingEndpoint(context => context.Connection.LocalPort == port && context.Request.Path == Path);
        app.Use((context, next) => context.Connection.LocalPort == port
            ? Api.ApiErrors.WriteAsync(context, StatusCodes.Status404NotFound, "Not found", "NOT_FOUND")
            : next(context));
        return app;
    }

    [GeneratedRegex(@"^\s*https?://(?<host>\[[^\]]+\]|[^:/;]+)", RegexOptions.IgnoreCase)]
    private static partial Regex FirstHost();
}
