using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PubSub.Server.Limits;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Limits;

/// <summary><c>PubSub:Limits:MaxConnections</c> counts every TCP connection; <c>Kestrel:Limits:*</c> reaches Kestrel.</summary>
public sealed class ConnectionLimitTests
{
    [Fact]
    public async Task Upgraded_connections_count_against_MaxConnections_and_one_past_it_is_closed()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:Limits:MaxConnections"] = "2" });
        await using var first = await server.ConnectAsync();
        await using var second = await server.ConnectAsync();

        Assert.Equal(0, await ConnectAndReadAsync(server.BaseAddress)); // closed on arrival: end of stream, no response

        await first.DisposeAsync();
        await Waits.UntilAsync(() => server.Services.GetRequiredService<ConnectionGate>().Open < 2);
        using var fourth = await ConnectRawAsync(server.BaseAddress);
        Assert.StartsWith("HTTP/1.1 200", await GetHealthAsync(fourth));
    }

    [Fact]
    public async Task Kestrel_limits_are_read_from_the_Kestrel_section()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["Kestrel:Limits:MaxConcurrentConnections"] = "1" });
        using var first = await ConnectRawAsync(server.BaseAddress);
        Assert.StartsWith("HTTP/1.1 200", await GetHealthAsync(first));

        Assert.Equal(0, await ConnectAndReadAsync(server.BaseAddress));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1000001")]
    public async Task An_out_of_range_MaxConnections_fails_the_start(string value)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:Limits:MaxConnections"] = value })).Within();
        Assert.Contains("MaxConnections", ex.Message);
    }

    [Theory]
    [InlineData(4096, 3584, true)]
    [InlineData(4096, 3585, false)]
    [InlineData(1024, 512, true)]
    [InlineData(1024, 513, false)]
    [InlineData(80_000, 70_000, true)]
    [InlineData(80_000, 70_001, false)]
    public void MaxConnections_must_leave_headroom_below_the_open_file_limit(long limit, int max, bool valid)
    {
        var result = new ConnectionLimitValidator(() => limit).Validate(null, new PubSub.Core.PubSubOptions { Limits = { MaxConnections = max } });
        Assert.Equal(valid, result.Succeeded);
    }

    [Theory]
    [InlineData(4096L, 3584)]
    [InlineData(1024L, 512)]
    [InlineData(600L, 88)]
    [InlineData(100L, 1)]
    [InlineData(null, 10_000)]
    public void The_default_cap_is_the_open_file_limit_less_its_headroom(long? limit, int expected) =>
        Assert.Equal(expected, OpenFileLimit.DefaultMaxConnections(limit));

    [Fact]
    public void The_soft_open_file_limit_is_read_from_proc_limits()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, """
                Limit                     Soft Limit           Hard Limit           Units
                Max cpu time              unlimited            unlimited            seconds
                Max open files            4096                 8192                 files
                """);
            Assert.Equal(4096, OpenFileLimit.Read(path));
            Assert.Null(OpenFileLimit.Read(path + ".missing"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    internal static async Task<Socket> ConnectRawAsync(Uri server)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port)).Within();
        return socket;
    }

    private static async Task<string> GetHealthAsync(Socket socket)
    {
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")).Within();
        var buffer = new byte[4096];
        var read = await socket.ReceiveAsync(buffer).Within();
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    /// <summary>
    /// Connects, sends a request and reads: 0 means the server closed the connection without answering, which on a
    /// loaded machine may happen before the connect itself completes (then the connect sees the reset).
    /// </summary>
    internal static async Task<int> ConnectAndReadAsync(Uri server)
    {
        Socket socket;
        try
        {
            socket = await ConnectRawAsync(server);
        }
        catch (SocketException ex) when (ex.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionRefused)
        {
            return 0;
        }

        using (socket)
        {
            return await ReadAsync(socket);
        }
    }

    /// <summary>Sends a request and reads: 0 means the server closed the connection without answering.</summary>
    private static async Task<int> ReadAsync(Socket socket)
    {
        try
        {
            await socket.SendAsync(Encoding.ASCII.GetBytes("GET /health HTTP/1.1\r\nHost: localhost\r\n\r\n")).Within();
            return await socket.ReceiveAsync(new byte[4096]).Within();
        }
        catch (SocketException)
        {
            return 0; // reset: also closed
        }
    }
}
