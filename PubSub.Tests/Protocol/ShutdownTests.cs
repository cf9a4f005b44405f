using System.Net;
using System.Net.WebSockets;
using PubSub.Core;
using PubSub.Server.Hosting;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Protocol;

/// <summary>PROTOCOL.md §4 graceful shutdown: flush what is queued, <c>info server_shutdown</c>, close 1001.</summary>
public sealed class ShutdownTests
{
    // Both /ws dialects: the seed dialect (PROTOCOL.md §9) keeps §3's info frames.
    [Theory]
    [InlineData(WsDialect.Standard)]
    [InlineData(WsDialect.Seed)]
    public async Task Stopping_flushes_queued_events_then_says_server_shutdown_and_closes_1001(WsDialect dialect)
    {
        var wire = WireDialect.For(dialect);
        var server = await wire.StartAsync(new Dictionary<string, string?>());
        await using var _ = server;
        await server.CreateTopicAsync("orders");
        await using var a = await wire.ConnectAsync(server);
        await using var b = await wire.ConnectAsync(server);
        await wire.SubscribeAsync(a, "orders", "s1");
        await wire.SubscribeAsync(b, "orders", "s1");

        // Queue a burst straight into the broker, then stop at once: all of it must still arrive first.
        for (var i = 0; i < 500; i++)
        {
            await server.Broker.PublishAsync("orders", new MessageDraft(null, System.Text.Encoding.UTF8.GetBytes($"{i}"), "p")).Within();
        }

        var stopping = server.StopAsync();
        foreach (var client in new[] { a, b })
        {
            var (status, frames) = await client.ReadUntilCloseAsync();
            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, status);
            Assert.Equal(Enumerable.Range(1, 500).Select(n => (long?)n), frames.SkipLast(1).Select(f => wire.EventSeq(f, "orders")));
            var last = frames[^1];
            WireAssert.HasTypeAndTs(last, "info");
            Assert.Equal("server_shutdown", last.GetProperty("msg").GetString());
        }

        await stopping.Within(Timeouts.Long);
    }

    [Fact]
    public async Task SIGTERM_on_the_real_process_shuts_down_gracefully()
    {
        Assert.True(OperatingSystem.IsLinux(), "this test sends a POSIX signal");
        var port = ServerProcess.FreePort();
        await using var process = ServerProcess.StartServer(["--urls", $"http://127.0.0.1:{port}"], new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Warning" });
        await process.WaitUntilHealthyAsync(new Uri($"http://127.0.0.1:{port}"));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = Timeouts.Short };
        using (var create = await http.PostAsync("/topics", new StringContent("{\"name\":\"orders\"}")).Within())
        {
            Assert.Equal(HttpStatusCode.Created, create.StatusCode);
        }

        await using var client = await WsClient.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/ws"));
        await client.SubscribeAsync("orders");
        using (var publish = await http.PostAsync("/api/topics/orders/messages/", new StringContent("{\"payload\":{\"last\":\"words\"}}")).Within())
        {
            Assert.Equal(HttpStatusCode.Created, publish.StatusCode);
        }

        await process.TerminateAsync();
        var (status, frames) = await client.ReadUntilCloseAsync();
        Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, status);
        Assert.Equal(1, WireAssert.IsEvent(frames[0], "orders"));
        Assert.Equal("server_shutdown", frames[^1].GetProperty("msg").GetString());
        Assert.Equal(0, await process.WaitForExitAsync());
    }
}
