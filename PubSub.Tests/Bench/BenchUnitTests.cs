using PubSub.Bench.Cli;
using PubSub.Bench.Measurement;

namespace PubSub.Tests.Bench;

/// <summary>The load generator's measuring parts, without a server.</summary>
public sealed class BenchUnitTests
{
    [Theory]
    [InlineData(64)]
    [InlineData(256)]
    [InlineData(4096)]
    public void Payload_has_the_requested_size_and_reads_back(int size)
    {
        var buffer = new byte[size + 64];
        var n = BenchPayload.Write(buffer, size, 1234567890123, 7, 3, 42);

        Assert.Equal(size, n);
        using var doc = System.Text.Json.JsonDocument.Parse(buffer.AsMemory(0, n)); // valid JSON
        var frame = System.Text.Encoding.UTF8.GetBytes($"{{\"type\":\"event\",\"message\":{{\"payload\":{System.Text.Encoding.UTF8.GetString(buffer, 0, n)}}}}}");
        Assert.True(BenchPayload.TryFind(frame, out var ticks, out var publisher, out var topic, out var counter));
        Assert.Equal((1234567890123, 7, 3, 42), (ticks, publisher, topic, counter));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_ws_publish_request_carries_a_key_unique_to_its_topic_and_counter_only_when_asked(bool keyed)
    {
        using var window = new PubSub.Bench.Transports.PublishWindow(4);
        var frames = new PubSub.Bench.Transports.WsPublishFrames(new PubSub.Bench.Transports.PublisherSpec(3, ["a", "b"], 64, window, null) { IdempotencyKeys = keyed });
        var buffer = new byte[frames.MaxLength];
        string? KeyOf(int topic, long counter)
        {
            using var doc = System.Text.Json.JsonDocument.Parse(buffer.AsMemory(0, frames.Write(buffer, topic, counter, 1)));
            Assert.Equal("publish", doc.RootElement.GetProperty("type").GetString());
            return doc.RootElement.TryGetProperty("idempotency_key", out var key) ? key.GetString() : null;
        }

        var keys = new[] { KeyOf(0, 1), KeyOf(0, 2), KeyOf(1, 1), KeyOf(0, long.MaxValue) };
        if (keyed)
        {
            Assert.Equal(4, keys.Distinct().Count());
            Assert.All(keys, k => Assert.InRange(k!.Length, 1, PubSub.Core.PubSubBroker.IdempotencyKeyMaxLength));
        }
        else
        {
            Assert.All(keys, Assert.Null);
        }
    }

    [Fact]
    public void Histogram_percentiles_are_within_a_few_percent_above_the_truth()
    {
        var h = new LatencyHistogram();
        for (var v = 1; v <= 100_000; v++)
        {
            h.Record(v);
        }

        Assert.Equal(100_000, h.Count);
        Assert.Equal(100_000, h.Max);
        Assert.InRange(h.Percentile(50), 50_000, 51_600);
        Assert.InRange(h.Percentile(99), 99_000, 100_000);
        Assert.InRange(h.Percentile(99.9), 99_900, 100_000);
        Assert.Equal(63, LatencyHistogram.UpperBound(LatencyHistogram.IndexOf(63)));
    }

    [Fact]
    public void Tracker_tells_lost_duplicated_and_out_of_order_apart()
    {
        var t = new SubscriberTracker(2, 1, new RunClock());
        foreach (var n in new long[] { 1, 2, 4, 3, 4, 6 })
        {
            t.OnEvent(0, 0, 0, n);
        }

        t.OnEvent(0, 1, 0, 1); // another publisher's stream starts at 1 on its own

        Assert.Equal(7, t.Received);
        Assert.Equal(1, t.Duplicated); // the second 4
        Assert.Equal(1, t.OutOfOrder); // 3 after 4
        Assert.Equal(1, t.Missing); // 5
        Assert.Equal(6, t.Unique);
    }

    [Fact]
    public void Command_line_parses_and_refuses_non_loopback_targets()
    {
        var (scenario, o) = BenchArgs.Parse(["fanout", "--url", "ws://127.0.0.1:8000/ws", "--publishers", "10", "--subscribers", "100", "--topics", "10", "--rate", "5000", "--duration", "500ms", "--transport", "hub-msgpack", "--server-pid", "42", "--json"]);

        Assert.Equal("fanout", scenario);
        Assert.Equal((10, 100, 10, 5000.0, TimeSpan.FromMilliseconds(500), TransportKind.HubMsgPack, 42, true), (o.Publishers, o.Subscribers, o.Topics, o.Rate!.Value, o.Duration, o.Transport, o.ServerPid!.Value, o.JsonOnly));
        Assert.Equal(new Uri("http://127.0.0.1:8000/hubs/pubsub"), o.HubUrl);
        Assert.Equal(1, BenchArgs.Parse(["slowconsumer"]).Options.Stalled);
        var shards = BenchArgs.Parse(["fanout", "--store-pid", "7", "--store-pid", "8", "--store-pid", "9"]).Options;
        Assert.Equal(7, shards.StorePid);
        Assert.Equal([8, 9], shards.MoreStorePids);
        Assert.Throws<ArgumentException>(() => BenchArgs.Parse(["fanout", "--url", "ws://10.0.0.1:8000/ws"]));
        Assert.Throws<ArgumentException>(() => BenchArgs.Parse(["fanout", "--bogus"]));
    }
}
