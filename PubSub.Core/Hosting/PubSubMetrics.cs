using System.Diagnostics.Metrics;

namespace PubSub.Core.Hosting;

/// <summary>
/// The broker's figures as .NET metrics (meter <c>PubSub</c>), read when a listener collects them
/// (<c>dotnet-counters monitor -n PubSub.Server --counters PubSub</c>, or an OpenTelemetry exporter), so the
/// publish path pays nothing for them.
/// </summary>
internal sealed class PubSubMetrics : IDisposable
{
    public const string MeterName = "PubSub";

    private readonly Meter _meter;

    public PubSubMetrics(IMeterFactory meters, PubSubBroker broker)
    {
        _meter = meters.Create(MeterName);
        _meter.CreateObservableCounter("pubsub.messages.published", () => broker.PublishedCount, "{message}", "Messages published since start");
        _meter.CreateObservableCounter("pubsub.messages.delivered", () => broker.DeliveredCount, "{message}", "Events written to subscribers' sockets");
        _meter.CreateObservableCounter("pubsub.messages.dropped", () => broker.DroppedCount, "{message}", "Events dropped by the overflow policy");
        _meter.CreateObservableUpDownCounter("pubsub.connections", () => broker.Connections.Count, "{connection}", "Open connections, all transports");
        _meter.CreateObservableUpDownCounter("pubsub.subscriptions", () => broker.SubscriptionCount, "{subscription}", "Active subscriptions");
        _meter.CreateObservableUpDownCounter("pubsub.queued", () => broker.Connections.Sum(c => c.Outbound.Count), "{frame}", "Frames waiting in outgoing queues");
    }

    public void Dispose() => _meter.Dispose();
}
