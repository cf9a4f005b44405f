using System.Net.Sockets;
using System.Text;

namespace PubSub.Tests.Infrastructure;

/// <summary>
/// A WebSocket client on a bare TCP socket, for what a well-behaved client cannot do: send half a frame, never
/// answer a ping. Frames are masked with a zero key (valid, and the payload stays readable).
/// </summary>
internal sealed class RawWebSocket : IDisposable
{
    private readonly TcpClient _tcp = new();

    private NetworkStream Stream => _tcp.GetStream();

    public static async Task<RawWebSocket> ConnectAsync(Uri server)
    {
        var raw = new RawWebSocket();
        await raw._tcp.ConnectAsync(server.Host, server.Port).Within();
        await raw.Stream.WriteAsync(Encoding.ASCII.GetBytes(
            "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")).AsTask().Within();

        // Read the 101 up to its blank line, byte by byte so no frame after it is swallowed.
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await raw.Stream.ReadAsync(one).AsTask().Within() == 0)
            {
                throw new IOException("closed during the handshake: " + head);
            }

            head.Append((char)one[0]);
        }

        Assert.StartsWith("HTTP/1.1 101", head.ToString());
        return raw;
    }

    /// <summary>Sends a text frame; <paramref name="sendBytes"/> cuts its payload short (the header still announces all of it).</summary>
    public Task SendTextAsync(string text, bool fin = true, int? sendBytes = null) => SendAsync(0x1, text, fin, sendBytes);

    /// <summary>Sends the continuation frame of a fragmented message.</summary>
    public Task SendContinuationAsync(string text, bool fin = true) => SendAsync(0x0, text, fin, null);

    private Task SendAsync(int opcode, string text, bool fin, int? sendBytes)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        if (payload.Length > 125)
        {
            throw new ArgumentException("short frames only", nameof(text));
        }

        byte[] frame = [(byte)((fin ? 0x80 : 0) | opcode), (byte)(0x80 | payload.Length), 0, 0, 0, 0, .. payload];
        return Stream.WriteAsync(frame.AsMemory(0, 6 + (sendBytes ?? payload.Length))).AsTask().Within();
    }

    /// <summary>Reads the next server frame that is not a ping or pong.</summary>
    public async Task<(int Opcode, byte[] Payload)> ReadFrameAsync()
    {
        while (true)
        {
            var head = await ReadExactlyAsync(2);
            var length = head[1] & 0x7F;
            if (length == 126)
            {
                var ext = await ReadExactlyAsync(2);
                length = (ext[0] << 8) | ext[1];
            }

            var payload = await ReadExactlyAsync(length);
            var opcode = head[0] & 0x0F;
            if (opcode is not (0x9 or 0xA))
            {
                return (opcode, payload);
            }
        }
    }

    private async Task<byte[]> ReadExactlyAsync(int count)
    {
        var buffer = new byte[count];
        await Stream.ReadExactlyAsync(buffer).AsTask().Within();
        return buffer;
    }

    /// <summary>The frames of what a server sent (unmasked, payloads under 64 KiB).</summary>
    public static List<(int Opcode, byte[] Payload)> Frames(byte[] bytes)
    {
        var frames = new List<(int, byte[])>();
        for (var i = 0; i + 2 <= bytes.Length;)
        {
            var length = bytes[i + 1] & 0x7F;
            var start = i + 2;
            if (length == 126)
            {
                length = (bytes[i + 2] << 8) | bytes[i + 3];
                start += 2;
            }

            frames.Add((bytes[i] & 0x0F, bytes[start..Math.Min(bytes.Length, start + length)]));
            i = start + length;
        }

        return frames;
    }

    /// <summary>Reads until the server closes the TCP connection; returns everything it sent.</summary>
    public async Task<byte[]> ReadToEndAsync(TimeSpan? timeout = null)
    {
        using var all = new MemoryStream();
        try
        {
            await Stream.CopyToAsync(all).WaitAsync(timeout ?? Timeouts.Short);
        }
        catch (IOException)
        {
            // reset: also the end
        }

        return all.ToArray();
    }

    public void Dispose() => _tcp.Dispose();
}
