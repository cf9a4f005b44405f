using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PubSub.Core;
using PubSub.Core.Delivery;
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
        await using var provider = services.BuildServiceProvider();
        var broker = provider.GetRequiredService<PubSubBroker>();
        var metrics = provider.GetRequiredService<PubSubMetrics>();

        await broker.CreateTopicAsync("t").Within();
        var connection = broker.Connect(new ClientInfo("test"));
        await broker.SubscribeAsync(connection, "t", "c", ReplayRequest.None).Within();
        for (var i = 0; i < 5; i++)
        {
            await broker.PublishAsync("t", Draft()).Within();
        }

        var seen = new Dictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == PubSubMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => seen[instrument.Name] = value);
        listener.SetMeasurementEventCallback<int>((instrument, value, _, _) => seen[instrument.Name] = value);
        listener.Start();
        listener.RecordObservableInstruments();

        Assert.Equal(5, seen["pubsub.messages.published"]);
        Assert.Equal(3, seen["pubsub.messages.dropped"]);
        Assert.Equal(1, seen["pubsub.connections"]);
        Assert.Equal(1, seen["pubsub.subscriptions"]);
        Assert.Equal(2, seen["pubsub.queued"]);
        GC.KeepAlive(metrics);
    }
}
