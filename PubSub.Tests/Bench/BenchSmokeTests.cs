using System.Text.Json;
using PubSub.Bench;
using PubSub.Bench.Cli;
using PubSub.Bench.Scenarios;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Bench;

/// <summary>
/// A few seconds of the load generator against a real server (and a real redis-server), so the bench cannot
/// rot: the scenario runs end to end and its report is sane. Figures are not asserted (the machine is shared),
/// only correctness: every publish reaches every subscriber of its topic, once, in order.
/// </summary>
public sealed class BenchSmokeTests
{
    private static BenchOptions Short(Uri wsUri) => new()
    {
        Url = wsUri,
        Publishers = 2,
        Subscribers = 4,
        Topics = 2,
        PayloadBytes = 256,
        Window = 16,
        Warmup = TimeSpan.FromMilliseconds(300),
        Duration = TimeSpan.FromSeconds(1.5),
        DrainTimeout = TimeSpan.FromSeconds(10),
        PerSourceAddress = 0,
        Progress = false,
    };

    // A closed loop is not slowed by its subscribers: on a loaded CI machine a subscriber of the load generator can
    // fall 1,000 frames behind for a moment, and DropOldest then drops as documented. These tests check the load
    // generator's counting, not the server's overflow policy (WsBackpressureTests and the slow-consumer scenario do).
    private static readonly Dictionary<string, string?> RoomyQueues = new()
    {
        ["PubSub:Queue:Capacity"] = "100000",
        ["PubSub:Queue:MaxBytes"] = "268435456",
    };

    [Fact]
    public async Task Fanout_over_ws_delivers_every_publish_to_every_subscriber_of_its_topic_and_prints_a_json_line()
    {
        await using var server = await TestServer.StartAsync(RoomyQueues);
        var options = Short(server.WsUri);
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exit = await BenchRunner.RunAndPrintAsync("fanout", options, stdout, stderr, CancellationToken.None).Within(Timeouts.Long);

        Assert.True(exit == 0, stderr.ToString());
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("deliveries/s", StringComparison.Ordinal));
        var report = BenchReport.FromJson(lines[^1])!;
        AssertSane(report, subscribersPerTopic: 2);
        using var json = JsonDocument.Parse(lines[^1]);
        Assert.Equal("fanout", json.RootElement.GetProperty("scenario").GetString());
        Assert.Equal(0, json.RootElement.GetProperty("lost").GetInt64());
        Assert.True(json.RootElement.GetProperty("latency_us").GetProperty("p99").GetInt64() > 0);
    }

    [Theory]
    [InlineData("hub-json", false)] // raw-socket JSON hub protocol subscribers
    [InlineData("hub-json", true)] // the .NET SignalR client
    [InlineData("hub-msgpack", true)]
    public async Task Fanout_over_the_hub_delivers_every_publish_to_every_subscriber_of_its_topic(string transport, bool dotnetClient)
    {
        await using var server = await TestServer.StartAsync(RoomyQueues);
        var options = Short(server.WsUri) with { Transport = BenchArgs.ParseTransport(transport), DotnetHubClient = dotnetClient };

        var report = await BenchRunner.RunAsync("fanout", options, null, CancellationToken.None).Within(Timeouts.Long);

        AssertSane(report, subscribersPerTopic: 2);
        Assert.Equal(transport, report.Transport);
    }

    [Fact]
    public async Task Fanout_with_idempotency_keys_stores_every_publish_once_and_the_server_sees_no_repeat()
    {
        await using var server = await TestServer.StartAsync(RoomyQueues);
        var options = Short(server.WsUri) with { IdempotencyKeys = true };

        var report = await BenchRunner.RunAsync("fanout", options, null, CancellationToken.None).Within(Timeouts.Long);

        AssertSane(report, subscribersPerTopic: 2);
        Assert.True(report.IdempotencyKeys);
        Assert.Equal(0, server.Broker.DuplicateCount);
        Assert.Equal(report.Published, server.Broker.PublishedCount);
    }

    [Fact]
    public async Task Fanout_with_SSE_subscribers_beside_ws_ones_delivers_every_publish_to_both_and_reports_them_apart()
    {
        await using var server = await TestServer.StartAsync(RoomyQueues);
        var options = Short(server.WsUri) with { SseSubscribers = 4 };

        var report = await BenchRunner.RunAsync("fanout", options, null, CancellationToken.None).Within(Timeouts.Long);

        AssertSane(report, subscribersPerTopic: 4); // 2 over /ws and 2 over SSE on each of the 2 topics
        Assert.Equal(4, report.SseSubscribers);
        Assert.True(report.SseLatencyUs!.Count > 0 && report.SseLatencyUs.P50 <= report.SseLatencyUs.P99);
        Assert.True(report.SseDeliveriesPerSec > 0 && report.SseDeliveriesPerSec < report.DeliveriesPerSec);
        Assert.Equal(report.DeliveredMeasured, report.LatencyUs!.Count + report.SseLatencyUs.Count); // every measured delivery in one of the two
    }

    [Fact]
    public async Task Fanout_at_a_fixed_rate_over_ws_sends_about_that_rate()
    {
        await using var server = await TestServer.StartAsync();
        var options = Short(server.WsUri) with { Rate = 400, Publishers = 1, Topics = 1, Subscribers = 3 };

        var report = await BenchRunner.RunAsync("fanout", options, null, CancellationToken.None).Within(Timeouts.Long);

        AssertSane(report, subscribersPerTopic: 3);
        Assert.Equal("rate", report.Mode);
        Assert.InRange(report.PublishesPerSec, 200, 600);
    }

    [Fact]
    public async Task Connections_scenario_opens_subscribed_connections_that_one_publish_reaches()
    {
        await using var server = await TestServer.StartAsync();
        var options = Short(server.WsUri) with { Count = 50, Concurrency = 10, Hold = TimeSpan.FromMilliseconds(200), PerSourceAddress = 20 };

        var report = await BenchRunner.RunAsync("connections", options, null, CancellationToken.None).Within(Timeouts.Long);

        var c = report.Connections!;
        Assert.Equal(50, c.Established);
        Assert.Equal(0, c.Failed);
        Assert.Equal(3, c.SourceAddresses);
        Assert.Equal(50, c.FanoutReceived);
    }

    [Fact]
    public async Task Slow_consumer_scenario_reports_the_stalled_subscriber_and_keeps_the_others_whole()
    {
        // Default queue capacity and a modest rate: the live subscribers must stay whole even on a busy CI machine.
        // Whether the stalled one overflows in so short a run depends on kernel buffers, so it is not asserted.
        await using var server = await TestServer.StartAsync();
        var options = Short(server.WsUri) with
        {
            Rate = 1000, Publishers = 1, Topics = 1, Subscribers = 2, Stalled = 1, PayloadBytes = 1024,
            Warmup = TimeSpan.FromMilliseconds(300), Duration = TimeSpan.FromSeconds(1.5),
        };

        var report = await BenchRunner.RunAsync("slowconsumer", options, null, CancellationToken.None).Within(Timeouts.Long);

        AssertSane(report, subscribersPerTopic: 2);
        AssertSane(report.Baseline!, subscribersPerTopic: 2);
        Assert.NotNull(report.Stalled);
        Assert.True(report.Stalled!.PublishedToItsTopic > 0);
        Assert.True(report.Stalled.ReceivedBeforeStall > 0);
    }

    [RequiresProgramFact("redis-server", "redis-server")]
    public async Task Fanout_against_redis_is_driven_by_the_same_loop()
    {
        await using var redis = await RedisServer.StartAsync();
        var options = Short(new Uri("ws://127.0.0.1:1/ws")) with { Transport = TransportKind.Redis, Redis = redis.Configuration, ServerPid = redis.Pid };

        var report = await BenchRunner.RunAsync("fanout", options, null, CancellationToken.None).Within(Timeouts.Long);

        AssertSane(report, subscribersPerTopic: 2);
        Assert.Equal("redis", report.Transport);
        Assert.NotNull(report.Server);
        Assert.True(report.Server!.CpuSeconds >= 0);
        Assert.True(report.Server.RssEndMib > 0);
    }

    private static void AssertSane(BenchReport report, int subscribersPerTopic)
    {
        Assert.Null(report.LastError);
        Assert.True(report.Published > 0, "nothing was published");
        Assert.Equal(report.Published * subscribersPerTopic, report.Expected);
        Assert.Equal(report.Expected, report.Delivered);
        Assert.Equal(0, report.Lost);
        Assert.Equal(0, report.Duplicated);
        Assert.Equal(0, report.OutOfOrder);
        Assert.Equal(0, report.Malformed);
        Assert.Equal(0, report.PublishErrors);
        Assert.True(report.DeliveriesPerSec > 0);
        Assert.True(report.LatencyUs!.Count > 0);
        Assert.True(report.LatencyUs.P50 <= report.LatencyUs.P99 && report.LatencyUs.P99 <= report.LatencyUs.Max);
    }
}
