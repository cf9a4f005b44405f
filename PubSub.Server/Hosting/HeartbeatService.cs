using Microsoft.Extensions.Options;
using PubSub.Core;
using PubSub.Core.Delivery;

namespace PubSub.Server.Hosting;

/// <summary>
/// Queues a heartbeat (<c>info</c> <c>ping</c>) on every open connection, whatever its transport, once per
/// <see cref="HeartbeatOptions.Interval"/>. One timer for the node rather than one per connection.
/// </summary>
internal sealed class HeartbeatService(PubSubBroker broker, IOptions<HeartbeatOptions> options, TimeProvider time) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.Interval;
        if (interval <= TimeSpan.Zero)
        {
            return;
        }

        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                foreach (var connection in broker.Connections)
                {
                    connection.TrySend(OutboundFrame.Heartbeat);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
