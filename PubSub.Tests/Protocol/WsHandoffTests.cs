using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using PubSub.Server.Hosting;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Protocol;

/// <summary>
/// A <c>/ws</c> session leaves its HTTP request once the 101 is written and runs on the bare connection
/// (ConnectionHandoff): the request ends, the connection goes on, and no byte of it is lost between the two.
/// </summary>
public sealed class WsHandoffTests
{
    /// <summary>Completes when a request to <c>/ws</c> has gone back through the whole middleware pipeline.</summary>
    private sealed class RequestEnds : IStartupFilter
    {
        public TaskCompletionSource Ended { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (HttpContext http, RequestDelegate rest) =>
            {
                await rest(http);
                if (http.Request.Path.StartsWithSegments("/ws") && http.Response.StatusCode == StatusCodes.Status101SwitchingProtocols)
                {
                    Ended.TrySetResult();
                }
            });
            next(app);
        };
    }

    // Kestrel's inline scheduling on (the default): the session sends straight to the socket (DirectSendStream);
    // off: through Kestrel's output pipe (DuplexPipeStream).
    public static TheoryData<bool> SendPaths => [true, false];

    [Theory]
    [MemberData(nameof(SendPaths))]
    public async Task The_request_ends_after_the_101_and_the_connection_still_carries_small_and_large_messages(bool inlineScheduling)
    {
        var requests = new RequestEnds();
        await using var server = await TestServer.StartAsync(
            new Dictionary<string, string?>
            {
                ["PubSub:WebSocket:MaxFrameBytes"] = "1048576",
                [PubSubServer.InlineSchedulingKey] = inlineScheduling ? "true" : "false",
            },
            services => services.AddSingleton<IStartupFilter>(requests));
        await server.CreateTopicAsync("t");
        await using var subscriber = await server.ConnectAsync();
        await subscriber.SubscribeAsync("t");

        // The session holds no HTTP request: its pipeline has unwound while the WebSocket is open.
        await requests.Ended.Task.Within();

        await using var publisher = await server.ConnectAsync();
        await publisher.PublishAsync("t", "small");
        await publisher.ExpectAsync("ack");
        Assert.Equal("small", (await subscriber.ExpectAsync("event")).GetProperty("message").GetProperty("payload").GetString());

        // Larger than any buffer a connection keeps between messages: taken in and sent out whole.
        var large = new string('x', 600_000);
        await publisher.PublishAsync("t", large);
        await publisher.ExpectAsync("ack");
        Assert.Equal(large, (await subscriber.ExpectAsync("event")).GetProperty("message").GetProperty("payload").GetString());
    }

    [Theory]
    [MemberData(nameof(SendPaths))]
    public async Task A_frame_sent_in_the_same_write_as_the_upgrade_request_reaches_the_session_after_the_101(bool inlineScheduling)
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { [PubSubServer.InlineSchedulingKey] = inlineScheduling ? "true" : "false" });
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port).Within();
        var stream = tcp.GetStream();

        // A masked (zero key) text frame {"type":"ping","request_id":"early"} right behind the request's blank line:
        // the HTTP layer must leave it for the session.
        var ping = Encoding.UTF8.GetBytes("""{"type":"ping","request_id":"early"}""");
        byte[] bytes =
        [
            .. Encoding.ASCII.GetBytes(
                "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"),
            0x81, (byte)(0x80 | ping.Length), 0, 0, 0, 0, .. ping,
        ];
        await stream.WriteAsync(bytes).AsTask().Within();

        var received = new List<byte>();
        var buffer = new byte[4096];
        string? pong = null;
        while (pong is null)
        {
            var count = await stream.ReadAsync(buffer).AsTask().Within();
            Assert.NotEqual(0, count);
            received.AddRange(buffer.AsSpan(0, count));
            var all = received.ToArray();
            var head = Encoding.ASCII.GetString(all).IndexOf("\r\n\r\n", StringComparison.Ordinal);
            if (head < 0)
            {
                continue;
            }

            Assert.StartsWith("HTTP/1.1 101", Encoding.ASCII.GetString(all));
            pong = RawWebSocket.Frames(all[(head + 4)..]).Select(f => Encoding.UTF8.GetString(f.Payload)).FirstOrDefault(p => p.Contains("pong", StringComparison.Ordinal));
        }

        Assert.Equal("early", JsonDocument.Parse(pong).RootElement.GetProperty("request_id").GetString());
    }
}
