using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PubSub.Core;
using PubSub.Core.Hosting;
using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Core.BrokerFactory;

namespace PubSub.Tests.Core;

public sealed class MetricsTests
{
    [Fact]
    public async Task The_PubSub_meter_reports_the_brokers_figures()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<TimeProvider>(new FakeTimeProvider());
        services.AddPubSub(configure: o => o.Queue.Capacity = 2);
        var provider = services.BuildServiceProvider();
        await using var providerDisposal = provider.DisposeWithin();
        var broker = provider.GetRequiredService<PubSubBroker>();
        var metrics = provider.GetRequiredService<PubSubMetrics>();
        var meter = provider.GetRequiredService<PubSubMeter>().Meter;

        await broker.CreateTopicAsync("t").Within();
        var connection = broker.Connect("test");
        await broker.SubscribeAsync(connection, "t", "c").Within();
        for (var i = 0; i < 5; i++)
        {
            await broker.PublishAsync("t", Draft()).Within();
        }

        var seen = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // This provider's meter only: listeners are process-wide, and other tests' brokers have a PubSub meter too.
            if (ReferenceEquals(instrument.Meter, meter))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => seen[Key(instrument.Name, tags)] = value);
        listener.SetMeasurementEventCallback<double>((instrument, _, _, _) => seen[instrument.Name] = seen.GetValueOrDefault(instrument.Name) + 1);
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Equal(5, seen["pubsub.messages.published"]);
        Assert.Equal(3, seen["pubsub.messages.dropped{reason=drop_oldest}"]);
        Assert.Equal(1, seen["pubsub.connections{transport=test}"]);
        Assert.Equal(0, seen["pubsub.connections{transport=ws}"]);
        Assert.Equal(1, seen["pubsub.subscriptions{transport=test}"]);
        Assert.Equal(2, seen["pubsub.queued.frames"]);
        Assert.Equal(2 * Draft().Payload.Length, seen["pubsub.queued.bytes"]);

        // The histogram records as publishes happen: one more publish, one more value.
        await broker.PublishAsync("t", Draft()).Within();
        Assert.Equal(1, seen["pubsub.publish.duration"]);
        GC.KeepAlive(metrics);
    }

    private static string Key(string name, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var labels = new List<string>();
        foreach (var tag in tags)
        {
            labels.Add($"{tag.Key}={tag.Value}");
        }

        return labels.Count == 0 ? name : $"{name}{{{string.Join(',', labels)}}}";
    }
}
