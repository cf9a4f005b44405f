using System.Diagnostics.Metrics;

namespace PubSub.Core.Hosting;

/// <summary>
/// The <c>PubSub</c> meter, one per service provider, for every part of the broker that measures something. It depends
/// on nothing of the broker, so an engine can take it too (the broker depends on the engine):
/// <code>
/// // in an engine's constructor, beside the broker's own instruments:
/// _callDuration = meter.CreateLatencyHistogram("pubsub.redis.call.duration", "One call to Redis, from sending to its answer");
/// _reconnects = meter.CreateCounter("pubsub.redis.reconnects", "{reconnect}", "Times the bus connection came back");
/// </code>
/// Names follow OpenTelemetry's conventions (dotted, unit in <c>unit</c>, not in the name); the Prometheus exporter turns
/// them into <c>pubsub_redis_call_duration_seconds</c> and <c>pubsub_redis_reconnects_total</c>.
/// </summary>
internal sealed class PubSubMeter : IDisposable
{
    public const string Name = PubSubBroker.MeterName;

    // Seconds, from 10 µs (an in-memory publish) to 2.5 s (a Redis round trip gone wrong): the exporter's default
    // buckets are made for milliseconds and would put every publish into the first one.
    private static readonly InstrumentAdvice<double> LatencyAdvice = new()
    {
        HistogramBucketBoundaries = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    };

    public PubSubMeter(IMeterFactory meters)
    {
        Meter = meters.Create(Name);
    }

    public Meter Meter { get; }

    /// <summary>A histogram of durations in seconds with buckets from 10 µs to 2.5 s.</summary>
    public Histogram<double> CreateLatencyHistogram(string name, string description) =>
        Meter.CreateHistogram(name, "s", description, tags: null, advice: LatencyAdvice);

    /// <summary>A monotonic counter; <paramref name="unit"/> in UCUM (<c>{message}</c>, <c>By</c>).</summary>
    public Counter<long> CreateCounter(string name, string unit, string description) =>
        Meter.CreateCounter<long>(name, unit, description);

    public void Dispose() => Meter.Dispose();
}
