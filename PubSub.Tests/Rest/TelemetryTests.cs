using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Rest;

[Collection(MetricsCollection.Name)]
public sealed class TelemetryTests
{
    [Fact]
    public async Task Metrics_are_collected_for_Prometheus_by_default_and_not_at_all_when_switched_off_without_OTLP()
    {
        await using (var plain = await TestServer.StartAsync(MetricsCollection.On()))
        {
            Assert.NotNull(plain.Services.GetService<MeterProvider>());
        }

        await using var off = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:Metrics:Enabled"] = "false" });
        Assert.Null(off.Services.GetService<MeterProvider>());
    }

    [Fact]
    public async Task With_an_OTLP_endpoint_the_server_exports_and_keeps_serving()
    {
        // A loopback port where nothing listens: export fails quietly, serving goes on.
        await using var exporting = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9",
            ["PubSub:Metrics:Enabled"] = "false",
        });
        Assert.NotNull(exporting.Services.GetService<MeterProvider>());
        var (status, _) = await exporting.SendAsync(HttpMethod.Get, "/health");
        Assert.Equal(200, status);
    }
}
