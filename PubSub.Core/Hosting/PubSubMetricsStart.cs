using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace PubSub.Core.Hosting;

/// <summary>
/// Creates the broker's metrics (<see cref="PubSubMetrics"/>) when the host starts, so that its instruments exist from
/// the start rather than from the first scrape. It takes the service provider, not the metrics: constructing it resolves
/// nothing, so the options are validated before the broker and its engine are built.
/// </summary>
internal sealed class PubSubMetricsStart(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        services.GetRequiredService<PubSubMetrics>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
