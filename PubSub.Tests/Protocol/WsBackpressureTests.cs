using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using System.Net.WebSockets;
using PubSub.Server.Hosting;
using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Infrastructure.ServerFixture;

namespace PubSub.Tests.Protocol;

/// <summary>
/// PROTOCOL.md §4 backpressure over real sockets: a subscriber that stops reading fills its TCP buffers, then
/// its bounded queue; the overflow policy applies to it alone while everyone else keeps receiving. In both /ws dialects.
/// </summary>
public sealed class WsBackpressureTests
{
    private const int Capacity = 20;
    private const int Messages = 400;
    private static readonly string Padding = new('p', 60 * 1024); // ~24 MB in all: more than loopback socket buffers hold

    private static async Task<(string Topic, WsClient Stalled)> StallThenPublishAsync(TestServer server, WireDialect wire)
    {
        var topic = NewTopic();
        await WireDialect.CreateTopicAsync(server, topic);
        var stalled = await wire.ConnectAsync(server);
        await wire.SubscribeAsync(stalled, topic, "stalled");
        stalled.PauseReading();
        await using var bystander = await wire.ConnectAsync(server);
        await wire.SubscribeAsync(bystander, topic, "bystander");
        await using var publisher = await wire.ConnectAsync(server);

        // The stalled client reads nothing from here on. The bystander gets every message, in order, while it happens.
        for (var i = 1; i <= Messages; i++)
        {
            await wire.PublishAsync(publisher, topic, new { i, pad = Padding });
            Assert.Equal(i, wire.EventSeq(await bystander.ReceiveAsync(), topic));
        }

        return (topic, stalled);
    }

    // Both /ws dialects: the seed dialect (PROTOCOL.md §9) changes the frames, not the backpressure.
    [Theory]
    [InlineData(WsDialect.Standard)]
    [InlineData(WsDialect.Seed)]
    public async Task DropOldest_drops_for_the_stalled_subscriber_only_and_says_how_many(WsDialect dialect)
    {
        var wire = WireDialect.For(dialect);
        await using var server = await wire.StartAsync(new Dictionary<string, string?> { ["PubSub:Queue:Capacity"] = $"{Capacity}" });
        var (topic, stalled) = await StallThenPublishAsync(server, wire);
        await using var _ = stalled;
        stalled.ResumeReading();

        var seqs = new List<long>();
        long reportedDrops = 0;
        while (seqs.Count == 0 || seqs[^1] < Messages)
        {
            var frame = await stalled.ReceiveAsync();
            if (wire.EventSeq(frame, topic) is not { } seq)
            {
                var text = wire.ErrorText(frame, "SLOW_CONSUMER");
                reportedDrops += long.Parse(System.Text.RegularExpressions.Regex.Match(text, @"(\d+) oldest events dropped").Groups[1].Value);
                continue;
            }

            seqs.Add(seq);
        }

        Assert.True(reportedDrops > 0, "the stalled subscriber should have overflowed");
        Assert.Equal(seqs.Order(), seqs); // still in order
        Assert.Equal(Messages - seqs.Count, reportedDrops); // every missing seq was reported as dropped
        Assert.True(seqs.Count >= Capacity);
        Assert.Equal(reportedDrops, server.Broker.GetConnectionStats().Sum(c => c.Dropped));
        await stalled.ExpectSilenceAsync();

        // It is still connected and served.
        await stalled.SendAsync(new { type = "ping", request_id = "ok" });
        await stalled.ExpectAsync("pong");
    }

    [Theory]
    [InlineData(WsDialect.Standard)]
    [InlineData(WsDialect.Seed)]
    public async Task Disconnect_policy_sends_SLOW_CONSUMER_then_closes_1008(WsDialect dialect)
    {
        var wire = WireDialect.For(dialect);
        await using var server = await wire.StartAsync(new Dictionary<string, string?>
        {
            ["PubSub:Queue:Capacity"] = $"{Capacity}",
            ["PubSub:Queue:OverflowPolicy"] = "Disconnect",
            ["PubSub:Shutdown:FlushTimeout"] = "00:00:30",
        });
        var (topic, stalled) = await StallThenPublishAsync(server, wire);
        await using var _ = stalled;
        stalled.ResumeReading();

        var (status, frames) = await stalled.ReadUntilCloseAsync();
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        wire.ErrorText(frames[^1], "SLOW_CONSUMER", "disconnecting");
        var events = frames.SkipLast(1).Select(f => wire.EventSeq(f, topic)).ToList();
        Assert.Equal(Enumerable.Range(1, events.Count).Select(n => (long?)n), events); // a prefix, no gap inside it
        Assert.True(events.Count < Messages);
        Assert.DoesNotContain(server.Broker.GetSubscribers(topic), s => s.ClientId == "stalled");
    }

    [Fact]
    public async Task An_abort_deadline_that_outlives_its_connection_does_nothing()
    {
        // The Disconnect policy arms an abort deadline (FlushTimeout + 2 s) in case the client never reads the
        // close. Here the client does, the request ends, and only then the deadline passes: it must not touch
        // the finished request (it once threw ObjectDisposedException on a timer thread and took the process down).
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(
            new Dictionary<string, string?>
            {
                ["PubSub:Queue:Capacity"] = "1",
                ["PubSub:Queue:OverflowPolicy"] = "Disconnect",
                ["PubSub:Heartbeat:Interval"] = "00:00:00",
            },
            services => services.AddSingleton<TimeProvider>(time));
        var topic = "deadline";
        await server.CreateTopicAsync(topic);
        for (var i = 0; i < 5; i++)
        {
            await server.SendAsync(HttpMethod.Post, $"/api/topics/{topic}/messages/", """{"payload":{"n":1}}""");
        }

        // Kestrel connections open before the WebSocket's (the REST client's); when the count is back to it, the
        // WebSocket's connection delegate has returned, so its request is over and its HttpContext released.
        var gate = server.Services.GetRequiredService<PubSub.Server.Limits.ConnectionGate>();
        var openBefore = gate.Open;
        await using (var client = await server.ConnectAsync())
        {
            await client.SendAsync(new { type = "subscribe", topic, client_id = "c", last_n = 5 });
            var (status, _) = await client.ReadUntilCloseAsync();
            Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        }

        using (var cts = new CancellationTokenSource(Timeouts.Long))
        {
            while (server.Broker.Connections.Count > 0 || gate.Open > openBefore)
            {
                await Task.Delay(20, cts.Token);
            }
        }

        time.Advance(TimeSpan.FromMinutes(1)); // fires every pending timer, on this thread

        await using var next = await server.ConnectAsync();
        await next.SendAsync(new { type = "ping", request_id = "after" });
        await next.ExpectAsync("pong");
    }

    [Fact]
    public async Task A_publisher_that_reads_its_acks_late_is_slowed_down_not_disconnected()
    {
        // Replies back up past half the capacity: the server stops reading this client's requests (TCP pushes
        // back on it) instead of overflowing it, and every request is answered once it reads again.
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["PubSub:Queue:Capacity"] = "4",
            ["PubSub:Limits:MaxIdLength"] = "16384", // the request_ids below are 8 KiB
        });
        var topic = NewTopic();
        await server.CreateTopicAsync(topic);
        await using var publisher = await server.ConnectAsync();
        publisher.PauseReading();

        // ~12 MB of acks (each echoes an 8 KiB request_id): more than the sockets buffer, so they back up on the server.
        const int count = 1500;
        var padding = new string('r', 8 * 1024);
        var sending = Task.Run(async () =>
        {
            for (var i = 0; i < count; i++)
            {
                await publisher.PublishAsync(topic, new { n = i }, requestId: $"{i}:{padding}");
            }
        });
        await Task.WhenAny(sending, Task.Delay(500)); // let the backlog build (no assertion on time)

        publisher.ResumeReading();
        for (var i = 0; i < count; i++)
        {
            var ack = await publisher.ExpectAsync("ack");
            Assert.StartsWith($"{i}:", ack.GetProperty("request_id").GetString());
            Assert.Equal(i + 1, ack.GetProperty("seq").GetInt64());
        }

        await sending.Within(Timeouts.Long);
        await publisher.SendAsync(new { type = "ping", request_id = "still-open" });
        Assert.Equal("still-open", (await publisher.ExpectAsync("pong")).GetProperty("request_id").GetString());
    }
}
