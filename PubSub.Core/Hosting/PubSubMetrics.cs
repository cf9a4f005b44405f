using System.Diagnostics.Metrics;

namespace PubSub.Core.Hosting;

/// <summary>
/// The broker's figures as .NET metrics on the <c>PubSub</c> meter (<see cref="PubSubMeter"/>). The observable ones are
/// read only when a listener collects them (a Prometheus scrape, <c>dotnet-counters monitor -n PubSub.Server --counters
/// PubSub</c>), so the publish path pays nothing for them; the publish histogram records one value per publish.
/// Created when the host starts (<see cref="PubSubMetricsStart"/>): instruments register on creation, not on first use.
/// </summary>
internal sealed class PubSubMetrics
{
    public const string MeterName = PubSubMeter.Name;

    // The transports this host has, reported at zero too so that a dashboard's series do not vanish when idle.
    private static readonly string[] KnownTransports = ["ws", "signalr", "dashboard"];

    public PubSubMetrics(PubSubMeter pubSubMeter, PubSubBroker broker, Cluster.ClusterFigures cluster)
    {
        var meter = pubSubMeter.Meter;
        meter.CreateObservableCounter("pubsub.messages.published", () => broker.PublishedCount, "{message}", "Messages published since start");
        meter.CreateObservableCounter("pubsub.publish.duplicates", () => broker.DuplicateCount, "{publish}", "Publishes that repeated an idempotency key within its window and published nothing");
        meter.CreateObservableCounter("pubsub.messages.delivered", () => broker.DeliveredCount, "{message}", "Events written to subscribers' sockets");

        // Every drop is the overflow policy's doing, and the policy is one per process: the reason is its name.
        var dropReason = new KeyValuePair<string, object?>("reason", broker.Options.Queue.OverflowPolicy == OverflowPolicy.Disconnect ? "disconnect" : "drop_oldest");
        meter.CreateObservableCounter("pubsub.messages.dropped", () => new Measurement<long>(broker.DroppedCount, dropReason), "{message}",
            "Events dropped by the overflow policy (reason: drop_oldest or disconnect)");

        meter.CreateObservableUpDownCounter("pubsub.connections", () => ByTransport(broker, _ => 1), "{connection}", "Open connections by transport");
        meter.CreateObservableUpDownCounter("pubsub.subscriptions", () => ByTransport(broker, c => c.Subscriptions.Count), "{subscription}", "Active subscriptions by transport");
        meter.CreateObservableUpDownCounter("pubsub.queued.frames", () => broker.Connections.Sum(c => (long)c.Outbound.Count), "{frame}", "Frames waiting in outgoing queues");
        meter.CreateObservableUpDownCounter("pubsub.queued.bytes", () => broker.Connections.Sum(c => c.Outbound.QueuedEventBytes()), "By", "Payload bytes of the events waiting in outgoing queues");
        meter.CreateObservableUpDownCounter("pubsub.cluster.nodes", () => cluster.Others.Count + 1, "{node}", "Nodes this node counts in its cluster, itself included (1 with the in-memory engine)");
        broker.PublishDuration = pubSubMeter.CreateLatencyHistogram("pubsub.publish.duration", "Time of one successful publish: validation, history append and fan-out to every subscriber's queue");
    }

    private static IEnumerable<Measurement<long>> ByTransport(PubSubBroker broker, Func<Delivery.BrokerConnection, long> count)
    {
        var totals = KnownTransports.ToDictionary(t => t, _ => 0L, StringComparer.Ordinal);
        foreach (var connection in broker.Connections)
        {
            totals[connection.Info.Transport] = totals.GetValueOrDefault(connection.Info.Transport) + count(connection);
        }

        return totals.Select(t => new Measurement<long>(t.Value, new KeyValuePair<string, object?>("transport", t.Key)));
    }
}
