using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace PubSub.Server.Hosting;

/// <summary>Prometheus metrics, section <c>PubSub:Metrics</c>.</summary>
public sealed class MetricsOptions
{
    public const string SectionName = "PubSub:Metrics";

    /// <summary>Serve <c>GET /metrics</c> in Prometheus text format. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// A port of its own for <c>/metrics</c>, on the same host as the first server address, open without an API key and
    /// serving nothing else; then the main address answers 404 there. Unset (default): <c>/metrics</c> is on the main
    /// address, under the same auth rules as REST (a key when <c>PubSub:Auth:Enabled</c>).
    /// </summary>
    public int? Port { get; set; }
}

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

internal sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options) =>
        options.Port is < 1 or > 65535
            ? ValidateOptionsResult.Fail($"PubSub:Metrics:Port must be a TCP port from 1 to 65535 (was {options.Port}); leave it unset to serve /metrics on the main address.")
            : ValidateOptionsResult.Success;
}
