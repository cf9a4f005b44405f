using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PubSub.Tests.Infrastructure;

/// <summary>
/// The test proxy itself: fault tests rely on it to keep accepting and forwarding whatever its links do, and to end
/// cleanly. A link can be closed by its first pump (the client left already) or by a <see cref="StallingProxy.Retarget"/>
/// before its second pump starts; neither may end the accept loop (it did, and the failover test failed in its dispose).
/// </summary>
public sealed class StallingProxyTests
{
    [Fact]
    public async Task Clients_gone_before_their_link_is_up_and_retargets_meanwhile_leave_the_proxy_accepting_and_forwarding()
    {
        using var upstream = Loopback.Listen(out var port);
        using var stop = new CancellationTokenSource();
        var heard = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        var serving = ServeAsync(upstream, heard, stop.Token);
        var proxy = new StallingProxy(port);
        try
        {
            for (var i = 0; i < 100; i++)
            {
                using var gone = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await gone.ConnectAsync(IPAddress.Loopback, proxy.Port).Within();
                gone.Close(0); // a reset, while the proxy is still connecting upstream
                if (i % 10 == 0)
                {
                    proxy.Retarget(port);
                }
            }

            using var client = new TcpClient();
            await client.ConnectAsync(IPAddress.Loopback, proxy.Port).Within();
            await client.GetStream().WriteAsync("hello"u8.ToArray()).AsTask().Within();
            Assert.Equal("hello", await heard.Task.Within());
        }
        finally
        {
            await proxy.DisposeAsync(); // rethrows what ended the accept loop
            await stop.CancelAsync();
            upstream.Stop();
            await serving.Within();
        }
    }

    /// <summary>Accepts every connection and completes <paramref name="heard"/> with the first bytes any of them sends.</summary>
    private static async Task ServeAsync(TcpListener listener, TaskCompletionSource<string> heard, CancellationToken stop)
    {
        var connections = new List<TcpClient>();
        try
        {
            while (true)
            {
                var connection = await listener.AcceptTcpClientAsync(stop);
                connections.Add(connection);
                _ = ReadAsync(connection);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            connections.ForEach(c => c.Dispose());
        }

        async Task ReadAsync(TcpClient connection)
        {
            try
            {
                var buffer = new byte[64];
                var n = await connection.GetStream().ReadAsync(buffer, stop);
                if (n > 0)
                {
                    heard.TrySetResult(Encoding.ASCII.GetString(buffer, 0, n));
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
            }
        }
    }
}
