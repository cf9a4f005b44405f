using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Rest;

public sealed class TelemetryTests
{
    [Fact]
    public async Task OpenTelemetry_is_off_by_default_and_on_with_an_OTLP_endpoint()
    {
        await using (var plain = await TestServer.StartAsync())
        {
            Assert.Null(plain.Services.GetService<MeterProvider>());
        }

        // A loopback port where nothing listens: export fails quietly, serving goes on.
        await using var exporting = await TestServer.StartAsync(new Dictionary<string, string?> { ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "http://127.0.0.1:9" });
        Assert.NotNull(exporting.Services.GetService<MeterProvider>());
        var (status, _) = await exporting.SendAsync(HttpMethod.Get, "/health");
        Assert.Equal(200, status);
    }
}
