using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Limits;

/// <summary>
/// Issue 10, item 1: idle TCP connections up to the open-file limit used to end the process with "Out of memory."
/// (the runtime could no longer start threads). Now every connection past <c>PubSub:Limits:MaxConnections</c>
/// (default: the open-file limit less its headroom) is closed on arrival, and the server keeps serving.
/// </summary>
public sealed class ConnectionFloodTests
{
    private const int OpenFileLimit = 1024;

    [Fact]
    public async Task A_flood_past_the_open_file_limit_leaves_the_server_up_and_an_existing_client_served()
    {
        await using var server = await ChildServer.StartAsync(OpenFileLimit);
        Assert.Contains($"Open-file limit {OpenFileLimit}; connections capped at 512", server.Log);
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = Timeouts.Short };
        using (var created = await http.PostAsync("/topics", new StringContent("""{"name":"flood"}""", System.Text.Encoding.UTF8, "application/json")).Within())
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        await using var subscriber = await WsClient.ConnectAsync(new Uri($"ws://{server.BaseAddress.Authority}/ws"));
        await subscriber.SubscribeAsync("flood");

        // Several rounds: the process used to die on the second or third, when the thread pool tried to grow.
        for (var round = 0; round < 3; round++)
        {
            using var sampling = new CancellationTokenSource();
            var peak = PeakDescriptorsAsync(server.ProcessId, sampling.Token);
            var flood = await FloodAsync(server.BaseAddress, OpenFileLimit + 200);
            await sampling.CancelAsync();
            var (most, last) = await peak.Within();
            try
            {
                Assert.False(server.HasExited, $"the server died in round {round}:\n{server.Log}");

                // A connection over the cap is closed in the accept loop, before the next is accepted, so the flood never
                // holds more than the capped connections: no descriptors taken from the threads the runtime may start.
                // (Before, refused connections kept theirs until the thread pool got to them: on an idle machine 10-65 more
                // than the capped ones, and under load up to the open-file limit, where the process died.)
                Assert.True(most - last <= 8, $"round {round}: the server held up to {most} descriptors, {last} once the flood was in");
                await subscriber.PublishAsync("flood", new { round });
                // The publisher is subscribed: its ack and its own event, in either order.
                var frames = new[] { await subscriber.ReceiveAsync(), await subscriber.ReceiveAsync() };
                Assert.Contains(frames, f => f.GetProperty("type").GetString() == "ack");
                var received = Assert.Single(frames, f => f.GetProperty("type").GetString() == "event");
                Assert.Equal(round, received.GetProperty("message").GetProperty("payload").GetProperty("round").GetInt32());
            }
            finally
            {
                foreach (var socket in flood)
                {
                    socket.Dispose();
                }
            }
        }

        Assert.False(server.HasExited, server.Log);
        Assert.Contains("Connection cap 512 reached", server.Log);
        Assert.DoesNotContain("Out of memory", server.Log);
        Assert.Equal(WebSocketState.Open, subscriber.Socket.State);

        // Once the flood is gone, new connections are served again. The server counts a connection until it has read its
        // close, a moment after the client closed it (longer for hundreds on a loaded machine): until then a new one may
        // still be over the cap and closed on arrival.
        await Waits.UntilAsync(ServedAsync);

        async Task<bool> ServedAsync()
        {
            try
            {
                using var health = await http.GetAsync("/health");
                return health.StatusCode == HttpStatusCode.OK;
            }
            catch (HttpRequestException)
            {
                return false; // closed on arrival
            }
        }
    }

    /// <summary>The most descriptors the process held at once, and the last count, sampled until <paramref name="stop"/>.</summary>
    private static Task<(int Most, int Last)> PeakDescriptorsAsync(int pid, CancellationToken stop) => Task.Run(async () =>
    {
        var (peak, last) = (0, 0);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                last = Directory.GetFileSystemEntries($"/proc/{pid}/fd").Length;
                peak = Math.Max(peak, last);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // The process is gone (the test says so) or a descriptor closed while listed.
            }

            await Task.Delay(1, CancellationToken.None);
        }

        return (peak, last);
    });

    /// <summary>Opens idle connections (no request sent) as fast as the kernel takes them; a refused one is skipped.</summary>
    private static async Task<List<Socket>> FloodAsync(Uri server, int count)
    {
        var endpoint = new IPEndPoint(IPAddress.Loopback, server.Port);
        var sockets = new List<Socket>(count);
        for (var i = 0; i < count; i++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.ConnectAsync(endpoint, cts.Token);
                sockets.Add(socket);
            }
            catch (Exception ex) when (ex is SocketException or OperationCanceledException)
            {
                socket.Dispose();
            }
        }

        return sockets;
    }
}
