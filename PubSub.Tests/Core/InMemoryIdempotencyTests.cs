using Microsoft.Extensions.Time.Testing;
using PubSub.Core;
using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Core.BrokerFactory;

namespace PubSub.Tests.Core;

/// <summary>The in-memory engine's idempotency keys: the window on injected time, and the per-topic bound.</summary>
public sealed class InMemoryIdempotencyTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2025, 8, 25, 10, 0, 0, TimeSpan.Zero));

    private PubSubBroker Broker(TimeSpan window, int maxKeys = 100_000) => Create(o =>
    {
        o.Publish.IdempotencyWindow = window;
        o.Publish.IdempotencyMaxKeysPerTopic = maxKeys;
    }, _time);

    private static Task<PublishReceipt> Publish(PubSubBroker broker, string key) =>
        broker.PublishAsync("t", Draft() with { IdempotencyKey = key }).Within();

    [Fact]
    public async Task A_key_is_remembered_for_the_window_and_then_publishes_again()
    {
        var broker = Broker(TimeSpan.FromMinutes(5));
        await broker.CreateTopicAsync("t").Within();
        var first = await Publish(broker, "k");

        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromMilliseconds(1));
        Assert.Equal((true, first.Seq), await Outcome(Publish(broker, "k")));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal((false, 2L), await Outcome(Publish(broker, "k"))); // the window is over: a new message
        Assert.Equal((true, 2L), await Outcome(Publish(broker, "k"))); // and a new window from it
    }

    [Fact]
    public async Task Beyond_the_bound_the_oldest_key_is_forgotten_first()
    {
        var broker = Broker(TimeSpan.FromMinutes(5), maxKeys: 3);
        await broker.CreateTopicAsync("t").Within();
        foreach (var key in new[] { "a", "b", "c", "d" })
        {
            await Publish(broker, key);
        }

        Assert.Equal((true, 2L), await Outcome(Publish(broker, "b")));
        Assert.Equal((true, 4L), await Outcome(Publish(broker, "d")));
        Assert.Equal((false, 5L), await Outcome(Publish(broker, "a"))); // "a" was the oldest when "d" came: forgotten
    }

    [Fact]
    public async Task Endless_distinct_keys_keep_at_most_the_bound()
    {
        var broker = Broker(TimeSpan.FromMinutes(5), maxKeys: 1000);
        await broker.CreateTopicAsync("t").Within();
        for (var i = 0; i < 20_000; i++)
        {
            await Publish(broker, $"k{i}");
        }

        // The newest thousand are remembered, the one before them is not.
        Assert.Equal((true, 19_001L), await Outcome(Publish(broker, "k19000")));
        Assert.False((await Publish(broker, "k18999")).Duplicate);
    }

    private static async Task<(bool Duplicate, long Seq)> Outcome(Task<PublishReceipt> publishing)
    {
        var receipt = await publishing;
        return (receipt.Duplicate, receipt.Seq);
    }
}
