using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PubSub.Core;
using PubSub.Tests.Access;
using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Infrastructure.ServerFixture;

namespace PubSub.Tests.Sse;

/// <summary>
/// An event stream is a connection like any other (PROTOCOL.md §10): the same heartbeat, graceful shutdown, access and
/// origin rules, and bounded queue with its overflow policy as <c>/ws</c> and the hub, over real Kestrel and sockets.
/// </summary>
public sealed class SseTransportTests
{
    [Fact]
    public async Task Heartbeats_are_comment_lines_at_the_heartbeat_interval()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(
            new Dictionary<string, string?> { ["PubSub:Heartbeat:Interval"] = "00:00:30" },
            services => services.AddSingleton<TimeProvider>(time));
        var topic = NewTopic("sse");
        await server.CreateTopicAsync(topic);
        await using var sse = await SseClient.OpenAsync(server.BaseAddress, $"/api/topics/{topic}/events/");
        await sse.ExpectSubscribedAsync();

        time.Advance(TimeSpan.FromSeconds(29));
        Assert.Null(await sse.TryReceiveAsync(Timeouts.Quiet));
        time.Advance(TimeSpan.FromSeconds(1));
        var ping = await sse.ReceiveAsync();
        Assert.Equal(new SseFrame(null, null, null, null, "ping"), ping);
        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("ping", (await sse.ReceiveAsync()).Comment);
    }

    [Fact]
    public async Task Stopping_flushes_queued_messages_then_says_server_shutdown_and_ends_the_stream()
    {
        var server = await TestServer.StartAsync();
        await using var _ = server;
        await server.CreateTopicAsync("orders");
        await using var sse = await SseClient.OpenAsync(server.BaseAddress, "/api/topics/orders/events/");
        await sse.ExpectSubscribedAsync();

        // A burst queued straight into the broker, then a stop at once: all of it arrives before the notice.
        for (var i = 0; i < 300; i++)
        {
            await server.Broker.PublishAsync("orders", new MessageDraft(null, System.Text.Encoding.UTF8.GetBytes($"{i}"), "p")).Within();
        }

        var stopping = server.StopAsync();
        var frames = await sse.ReadToEndAsync();
        Assert.Equal(Enumerable.Range(1, 300).Select(n => (long)n), frames.SkipLast(1).Select(f => f.Seq));
        Assert.True(frames[^1].IsInfo("server_shutdown"), $"expected server_shutdown last, got {frames[^1]}");
        await stopping.Within(Timeouts.Long);
    }

    [Fact]
    public async Task A_stream_needs_a_key_with_subscribe_on_the_topic_by_header_or_query()
    {
        await using var server = await AccessKeys.StartAsync();

        var (noKey, _, body) = await SseClient.SendAsync(server.BaseAddress, "/api/topics/orders-eu/events/");
        Assert.Equal(HttpStatusCode.Unauthorized, noKey);
        Assert.Equal("UNAUTHORIZED", JsonDocument.Parse(body!).RootElement.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, (await SseClient.SendAsync(server.BaseAddress, "/api/topics/orders-eu/events/", apiKey: "not-a-key")).Status);

        // read is not subscribe; subscribe on orders* is not subscribe on payments.
        var (reader, _, readerBody) = await SseClient.SendAsync(server.BaseAddress, "/api/topics/orders-eu/events/", apiKey: AccessKeys.OrdersReader);
        Assert.Equal(HttpStatusCode.Forbidden, reader);
        Assert.Equal("FORBIDDEN", JsonDocument.Parse(readerBody!).RootElement.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, (await SseClient.SendAsync(server.BaseAddress, "/api/topics/payments/events/", apiKey: AccessKeys.OrdersSubscriber)).Status);

        // By header, and by query as EventSource (which cannot set headers) sends it.
        await using var byHeader = await SseClient.OpenAsync(server.BaseAddress, "/api/topics/orders-eu/events/", apiKey: AccessKeys.OrdersSubscriber);
        await byHeader.ExpectSubscribedAsync();
        await using var byQuery = await SseClient.OpenAsync(server.BaseAddress, $"/topics/orders-us/events?api_key={AccessKeys.OrdersSubscriber}");
        await byQuery.ExpectSubscribedAsync();
        Assert.Equal(0, server.Broker.CountSubscribers("payments"));
    }

    [Fact]
    public async Task A_stream_from_a_foreign_origin_is_refused_and_from_the_own_a_listed_or_no_origin_opens()
    {
        const string listed = "https://app.example.com";
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:AllowedOrigins:0"] = listed });
        var topic = NewTopic("sse");
        await server.CreateTopicAsync(topic);

        foreach (var path in new[] { $"/api/topics/{topic}/events/", $"/api/topics/{topic}/events", $"/topics/{topic}/events" })
        {
            var (status, _, body) = await SseClient.SendAsync(server.BaseAddress, path, origin: "http://evil.example");
            Assert.Equal(HttpStatusCode.Forbidden, status);
            Assert.Contains("PubSub:AllowedOrigins", body);
        }

        Assert.Equal(0, server.Broker.CountSubscribers(topic));
        foreach (var origin in new[] { $"http://{server.BaseAddress.Authority}", listed, null })
        {
            await using var sse = await SseClient.OpenAsync(server.BaseAddress, $"/api/topics/{topic}/events/", origin: origin);
            await sse.ExpectSubscribedAsync();
        }
    }

    [Fact]
    public async Task Streams_count_against_MaxConnections()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:Limits:MaxConnections"] = "2" });
        var topic = NewTopic("sse");
        await server.Broker.CreateTopicAsync(topic).Within(); // not over REST: its keep-alive connection would count

        await using var first = await SseClient.OpenAsync(server.BaseAddress, $"/api/topics/{topic}/events/");
        await first.ExpectSubscribedAsync();
        await using var second = await SseClient.OpenAsync(server.BaseAddress, $"/api/topics/{topic}/events/");
        await second.ExpectSubscribedAsync();
        Assert.Equal(0, await Limits.ConnectionLimitTests.ConnectAndReadAsync(server.BaseAddress)); // closed on arrival
    }

    [Fact]
    public async Task Opening_a_stream_takes_a_control_token_and_none_left_is_429_before_any_stream()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["PubSub:RateLimit:ControlPerSecond"] = "1",
            ["PubSub:RateLimit:ControlBurst"] = "1",
        });
        var topic = NewTopic("sse");
        await server.Broker.CreateTopicAsync(topic).Within(); // not over REST, which would take the token

        // The bucket is made with its one token at the first request, and refilled a second later: the next open, at
        // once, finds it empty.
        await using var first = await SseClient.OpenAsync(server.BaseAddress, $"/api/topics/{topic}/events/");
        var (status, _, body) = await SseClient.SendAsync(server.BaseAddress, $"/api/topics/{topic}/events/");
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("RATE_LIMITED", JsonDocument.Parse(body!).RootElement.GetProperty("code").GetString());
        await first.ExpectSubscribedAsync();
        Assert.Equal(1, server.Broker.CountSubscribers(topic));
    }

    // ---- a slow consumer: the same bounded queue and overflow policy as every subscriber ----

    private const int Capacity = 20;
    private const int Messages = 400;
    private static readonly string Padding = new('p', 60 * 1024); // ~24 MB in all: more than loopback socket buffers hold

    private static async Task<(string Topic, SseClient Stalled)> StallThenPublishAsync(TestServer server)
    {
        var topic = NewTopic("sse-slow");
        await server.CreateTopicAsync(topic);
        var stalled = await SseClient.OpenAsync(server.BaseAddress, $"/api/topics/{topic}/events/");
        await stalled.ExpectSubscribedAsync();
        stalled.PauseReading();
        await using var bystander = await server.ConnectAsync();
        await bystander.SubscribeAsync(topic, "bystander");
        await using var publisher = await server.ConnectAsync();

        // The stalled stream reads nothing from here on; the bystander gets every message, in order, meanwhile.
        for (var i = 1; i <= Messages; i++)
        {
            await publisher.PublishAsync(topic, new { i, pad = Padding });
            var frame = await bystander.ExpectAsync("event");
            Assert.Equal(i, frame.GetProperty("seq").GetInt64());
        }

        return (topic, stalled);
    }

    [Fact]
    public async Task DropOldest_drops_for_the_stalled_stream_only_and_says_how_many_in_a_slow_consumer_info()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:Queue:Capacity"] = $"{Capacity}" });
        var (topic, stalled) = await StallThenPublishAsync(server);
        await using var _ = stalled;
        stalled.ResumeReading();

        var seqs = new List<long>();
        long reported = 0;
        foreach (var frame in await stalled.ReadUntilAsync(f => f.IsMessage && f.Seq == Messages, $"seq {Messages}"))
        {
            if (frame.IsMessage)
            {
                seqs.Add(frame.Seq);
                continue;
            }

            Assert.True(frame.IsInfo("slow_consumer"), $"expected messages and slow_consumer notices only, got {frame}");
            reported += frame.Json.GetProperty("dropped").GetInt64();
        }

        Assert.True(reported > 0, "the stalled stream should have overflowed");
        Assert.Equal(seqs.Order(), seqs);
        Assert.Equal(Messages - seqs.Count, reported); // every missing seq was reported as dropped
        Assert.Equal(reported, server.Broker.GetConnectionStats().Where(c => c.Transport == "sse").Sum(c => c.Dropped));
        await stalled.ExpectSilenceAsync();

        // Still open and served.
        Assert.Equal(201, (await server.SendAsync(HttpMethod.Post, $"/api/topics/{topic}/messages/", "{\"payload\":1}")).Status);
        Assert.Equal(Messages + 1, (await stalled.ReceiveNonPingAsync()).Seq);
    }

    [Fact]
    public async Task The_Disconnect_policy_sends_slow_consumer_then_ends_the_stream()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["PubSub:Queue:Capacity"] = $"{Capacity}",
            ["PubSub:Queue:OverflowPolicy"] = "Disconnect",
            ["PubSub:Shutdown:FlushTimeout"] = "00:00:30",
        });
        var (topic, stalled) = await StallThenPublishAsync(server);
        await using var _ = stalled;
        stalled.ResumeReading();

        var frames = await stalled.ReadToEndAsync();
        Assert.True(frames[^1].IsInfo("slow_consumer"), $"expected slow_consumer last, got {frames[^1]}");
        Assert.True(frames[^1].Json.GetProperty("dropped").GetInt64() > 0);
        Assert.Contains("disconnecting", frames[^1].Json.GetProperty("message").GetString());
        var seqs = frames.SkipLast(1).Select(f => f.Seq).ToList();
        Assert.Equal(Enumerable.Range(1, seqs.Count).Select(n => (long)n), seqs); // a prefix, no gap inside it
        Assert.True(seqs.Count < Messages);
        await Waits.UntilAsync(() => !server.Broker.Connections.Any(c => c.Transport == "sse")); // the stream's connection is gone
    }
}
