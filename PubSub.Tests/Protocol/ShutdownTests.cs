using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using PubSub.Core;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Protocol;

/// <summary>PROTOCOL.md §4 graceful shutdown: flush what is queued, <c>info server_shutdown</c>, close 1001.</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task Stopping_flushes_queued_events_then_says_server_shutdown_and_closes_1001()
    {
        var server = await TestServer.StartAsync();
        await using var _ = server;
        await server.CreateTopicAsync("orders");
        await using var a = await server.ConnectAsync();
        await using var b = await server.ConnectAsync();
        await a.SubscribeAsync("orders");
        await b.SubscribeAsync("orders");

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
            Assert.Equal(Enumerable.Range(1, 500).Select(n => (long)n), frames.SkipLast(1).Select(f => WireAssert.IsEvent(f, "orders")));
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
        int port;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var serverDll = Path.Combine(AppContext.BaseDirectory, "PubSub.Server.dll");
        var start = new ProcessStartInfo("dotnet", [serverDll, "--urls", $"http://127.0.0.1:{port}"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = Timeouts.Short };
            // Poll until it serves: bounded by a deadline whatever /health answers (a refused connection, or a non-200).
            var deadline = DateTime.UtcNow + Timeouts.Long;
            while (true)
            {
                Assert.False(process.HasExited, "the server exited before it served /health");
                Assert.True(DateTime.UtcNow < deadline, $"the server did not answer /health with 200 within {Timeouts.Long}");
                try
                {
                    using var health = await http.GetAsync("/health").Within();
                    if (health.IsSuccessStatusCode)
                    {
                        break;
                    }
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }

                await Task.Delay(100);
            }

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

            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync().Within();
                Assert.Equal(0, kill.ExitCode);
            }
            var (status, frames) = await client.ReadUntilCloseAsync();
            Assert.Equal(WebSocketCloseStatus.EndpointUnavailable, status);
            Assert.Equal(1, WireAssert.IsEvent(frames[0], "orders"));
            Assert.Equal("server_shutdown", frames[^1].GetProperty("msg").GetString());
            await process.WaitForExitAsync().Within(Timeouts.Long);
            Assert.Equal(0, process.ExitCode);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await Task.WhenAll(output, errors).Within(Timeouts.Short);
        }
    }
}
