using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using PubSub.Core;

namespace PubSub.Server.Hosting;

/// <summary>
/// OpenTelemetry metrics from the <c>PubSub</c> meter, ASP.NET Core's and the runtime's, served to Prometheus at
/// <c>/metrics</c> (<see cref="MetricsEndpoint"/>) unless <c>PubSub:Metrics:Enabled</c> is false. With
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> configured (the standard variable; <c>OTEL_SERVICE_NAME</c> and the other
/// <c>OTEL_*</c> settings apply too) the same metrics, and request traces, are also exported over OTLP.
/// </summary>
internal static class Telemetry
{
    /// <summary>ASP.NET Core's meter of Kestrel's memory pool (.NET 10), which AddAspNetCoreInstrumentation subscribes to.</summary>
    internal const string MemoryPoolMeter = "Microsoft.AspNetCore.MemoryPool";

    public static IServiceCollection AddPubSubTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        var metrics = MetricsEndpoint.Read(configuration);
        var otlp = !string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        if (!metrics.Enabled && !otlp)
        {
            return services;
        }

        var telemetry = services.AddOpenTelemetry().WithMetrics(builder =>
        {
            builder.AddMeter(PubSubBroker.MeterName).AddAspNetCoreInstrumentation().AddRuntimeInstrumentation();

            // ASP.NET Core's memory pool counts every block Kestrel rents and returns: on the delivery path that is a
            // metric update per socket write (2 % of a busy node's CPU in a profile of 1 × 100 × 1). A dropped stream is
            // not listened to at all, so the pool's counters cost nothing.
            builder.AddView(instrument => instrument.Meter.Name == MemoryPoolMeter ? MetricStreamConfiguration.Drop : null);
            if (metrics.Enabled)
            {
                // Every scrape reads the figures fresh (the exporter would otherwise answer from a 300 ms cache).
                builder.AddPrometheusExporter(prometheus => prometheus.ScrapeResponseCacheDurationMilliseconds = 0);
            }

            if (otlp)
            {
                builder.AddOtlpExporter();
            }
        });
        if (otlp)
        {
            telemetry.WithTracing(tracing => tracing.AddAspNetCoreInstrumentation().AddOtlpExporter());
        }

        return services;
    }
}
