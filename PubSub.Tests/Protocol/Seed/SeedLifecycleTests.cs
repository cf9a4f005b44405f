using System.Globalization;
using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PubSub.Core;
using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Infrastructure.ServerFixture;

namespace PubSub.Tests.Protocol.Seed;

/// <summary>
/// Topic deletion, heartbeat, shutdown and backpressure in the seed dialect: the same code path as the standard one,
/// with §3's <c>info</c> frames (which the seed's clients already handle) and §9's error frame.
/// </summary>
public sealed class SeedLifecycleTests
{
    private const int Capacity = 20;
    private const int Messages = 400;
    private static readonly string Padding = new('p', 60 * 1024); // ~24 MB in all: more than loopback socket buffers hold

    [Fact]
    public async Task A_topic_deleted_while_subscribed_sends_info_topic_deleted_and_the_socket_stays_open()
    {
        await using var server = await SeedWire.StartAsync();
        var topic = NewTopic();
        await using var subscriber = await SeedWire.ConnectClientAsync(server);
        await subscriber.SeedSubscribeAsync(topic);

        var (status, _) = await server.SendAsync(HttpMethod.Delete, $"/api/topics/{topic}/");

        Assert.Equal(200, status);
        var info = await subscriber.ExpectAsync("info");
        WireAssert.HasTypeAndTs(info, "info");
        Assert.Equal("topic_deleted", info.GetProperty("msg").GetString());
        Assert.Equal(topic, info.GetProperty("topic").GetString());

        // The subscription is gone: a publish creates the topic anew, and the old subscriber hears nothing of it.
        await using var publisher = await SeedWire.ConnectClientAsync(server);
        await publisher.SeedPublishAsync(topic, "reborn");
        await subscriber.ExpectSilenceAsync();
        await subscriber.SendAsync(new { type = "ping", request_id = "alive" });
        Assert.Equal("alive", (await subscriber.ExpectAsync("pong")).GetProperty("request_id").GetString());
    }

    [Fact]
    public async Task The_heartbeat_is_info_ping_each_interval_after_connected()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await SeedWire.StartAsync(
            new Dictionary<string, string?> { ["PubSub:WebSocket:HeartbeatInterval"] = "00:00:30" },
            services => services.AddSingleton<TimeProvider>(time));
        var (client, connected) = await SeedWire.ConnectAsync(server);
        await using var _ = client;
        Assert.Equal(Format(time.GetUtcNow()), connected.GetProperty("timestamp").GetString());

        time.Advance(TimeSpan.FromSeconds(29));
        await client.ExpectSilenceAsync();
        time.Advance(TimeSpan.FromSeconds(1));

        var info = await client.ExpectAsync("info");
        WireAssert.HasTypeAndTs(info, "info");
        Assert.Equal("ping", info.GetProperty("msg").GetString());
        Assert.Equal(Format(time.GetUtcNow()), info.GetProperty("ts").GetString());
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("ping", (await client.ExpectAsync("info")).GetProperty("msg").GetString());
    }

    [Fact]
    public async Task Stopping_flushes_queued_messages_then_says_server_shutdown_and_closes_1001()
    {
        var server = await SeedWire.StartAsync();
        await using var _ = server;
        var topic = NewTopic();
        await using var subscriber = await SeedWire.ConnectClientAsync(server);
        await subscriber.SeedSubscribeAsync(topic);
        for (var i = 0; i < 300; i++)
        {
            await server.Broker.PublishAsync(topic, new MessageDraft(null, System.Text.Encoding.UTF8.GetBytes($"{i}"), "p")).Within();
        }

        var stopping = server.StopAsync();

        var (status, frames) = await subscriber.ReadUntilCloseAsync();
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, status);
        Assert.Equal(Enumerable.Range(1, 300).Select(n => (long)n), frames.SkipLast(1).Select(f =>
        {
            SeedAssert.IsMessage(f, topic, "p");
            return SeedAssert.Seq(f);
        }));
        WireAssert.HasTypeAndTs(frames[^1], "info");
        Assert.Equal("server_shutdown", frames[^1].GetProperty("msg").GetString());
        await stopping.Within(Timeouts.Long);
    }

    [Fact]
    public async Task A_slow_consumer_loses_its_oldest_messages_and_is_told_how_many_in_a_seed_error()
    {
        await using var server = await SeedWire.StartAsync(new Dictionary<string, string?> { ["PubSub:Queue:Capacity"] = $"{Capacity}" });
        var (topic, stalled) = await StallThenPublishAsync(server);
        await using var _ = stalled;
        stalled.ResumeReading();

        var seqs = new List<long>();
        long reportedDrops = 0;
        while (seqs.Count == 0 || seqs[^1] < Messages)
        {
            var frame = await stalled.ReceiveAsync();
            if (frame.GetProperty("type").GetString() == "error")
            {
                var text = SeedAssert.IsError(frame, "SLOW_CONSUMER", null, "oldest events dropped");
                reportedDrops += long.Parse(System.Text.RegularExpressions.Regex.Match(text, @"(\d+) oldest events dropped").Groups[1].Value, CultureInfo.InvariantCulture);
                continue;
            }

            SeedAssert.IsMessage(frame, topic, "p1");
            seqs.Add(SeedAssert.Seq(frame));
        }

        Assert.True(reportedDrops > 0, "the stalled subscriber should have overflowed");
        Assert.Equal(seqs.Order(), seqs);
        Assert.Equal(Messages - seqs.Count, reportedDrops);
        await stalled.SendAsync(new { type = "ping", request_id = "ok" });
        await stalled.ExpectAsync("pong");
    }

    [Fact]
    public async Task With_the_disconnect_policy_a_slow_consumer_gets_a_seed_error_then_close_1008()
    {
        await using var server = await SeedWire.StartAsync(new Dictionary<string, string?>
        {
            ["PubSub:Queue:Capacity"] = $"{Capacity}",
            ["PubSub:Queue:OverflowPolicy"] = "Disconnect",
            ["PubSub:Shutdown:FlushTimeout"] = "00:00:30",
        });
        var (topic, stalled) = await StallThenPublishAsync(server);
        await using var _ = stalled;
        stalled.ResumeReading();

        var (status, frames) = await stalled.ReadUntilCloseAsync();

        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        SeedAssert.IsError(frames[^1], "SLOW_CONSUMER", null, "disconnecting");
        var seqs = frames.SkipLast(1).Select(f =>
        {
            SeedAssert.IsMessage(f, topic, "p1");
            return SeedAssert.Seq(f);
        }).ToList();
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(n => (long)n), seqs);
        Assert.True(seqs.Count < Messages);
    }

    private static async Task<(string Topic, WsClient Stalled)> StallThenPublishAsync(TestServer server)
    {
        var topic = NewTopic();
        var stalled = await SeedWire.ConnectClientAsync(server);
        await stalled.SeedSubscribeAsync(topic, "stalled");
        stalled.PauseReading();
        await using var bystander = await SeedWire.ConnectClientAsync(server);
        await bystander.SeedSubscribeAsync(topic, "bystander");
        await using var publisher = await SeedWire.ConnectClientAsync(server);

        for (var i = 1; i <= Messages; i++)
        {
            await publisher.SeedPublishAsync(topic, new { i, pad = Padding });
            Assert.Equal(i, SeedAssert.Seq(await bystander.ExpectAsync("message")));
        }

        return (topic, stalled);
    }

    private static string Format(DateTimeOffset t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
