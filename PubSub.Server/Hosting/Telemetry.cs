using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using PubSub.Core.Hosting;

namespace PubSub.Server.Hosting;

/// <summary>
/// OpenTelemetry export over OTLP, on when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is configured (the standard
/// variable; <c>OTEL_SERVICE_NAME</c> and the other <c>OTEL_*</c> settings apply too). Off, nothing is
/// collected. The <c>PubSub</c> meter is readable with <c>dotnet-counters</c> either way.
/// </summary>
internal static class Telemetry
{
    public static IServiceCollection AddPubSubTelemetry(this IServiceCollection services, IConfiguration configuration)
    {
        if (string.IsNullOrEmpty(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            return services;
        }

        services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddMeter(PubSubMetrics.MeterName)
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentation()
                .AddOtlpExporter())
            .WithTracing(tracing => tracing
                .AddAspNetCoreInstrumentation()
                .AddOtlpExporter());
        return services;
    }
}
