using System.Net;
using System.Net.Sockets;

namespace PubSub.Bench.Transports;

/// <summary>
/// Client source addresses on loopback. One (source address, server address, server port) tuple has only the
/// ephemeral port range (~28k on Linux) to give out, so past that many connections each batch binds to the
/// next of 127.0.0.1, 127.0.0.2, … (all of 127.0.0.0/8 is loopback on Linux, no setup needed).
/// </summary>
internal static class SourceAddresses
{
    /// <summary>The source for connection <paramref name="index"/>, or null when <paramref name="perAddress"/> is 0 (let the kernel choose).</summary>
    public static IPAddress? For(int index, int perAddress)
    {
        if (perAddress <= 0)
        {
            return null;
        }

        var n = 1 + (index / perAddress);
        return n > 254 ? throw new ArgumentOutOfRangeException(nameof(index), "more connections than 127.0.0.1–254 can source") : new IPAddress([127, 0, 0, (byte)n]);
    }

    /// <summary>A connected TCP socket to <paramref name="host"/>:<paramref name="port"/>, bound to <paramref name="source"/> when given.</summary>
    public static async Task<Socket> ConnectAsync(string host, int port, IPAddress? source, int? receiveBuffer, CancellationToken cancellationToken)
    {
        var address = IPAddress.TryParse(host, out var ip)
            ? ip
            : (await Dns.GetHostAddressesAsync(host, cancellationToken)).OrderBy(a => a.AddressFamily == AddressFamily.InterNetwork ? 0 : 1).First();
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (receiveBuffer is { } size)
            {
                socket.ReceiveBufferSize = size;
            }

            if (source is not null && address.AddressFamily == AddressFamily.InterNetwork)
            {
                socket.Bind(new IPEndPoint(source, 0));
            }

            await socket.ConnectAsync(new IPEndPoint(address, port), cancellationToken);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
