using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace PubSub.Bench.Transports;

/// <summary>
/// A minimal RFC 6455 client on a raw socket, for the load generator only. Why not <c>ClientWebSocket</c>: it
/// reads one frame per receive call (header, then payload, each a socket read), which costs the generator
/// several times more CPU per delivery than the server's own send, on cores the two share. This client reads
/// whatever the socket has (many frames per read under load) and parses frames in place. Sends are single
/// text frames masked with a zero key, which keeps them legal frames while making masking a no-op (the server
/// cannot and does not check the key's randomness; browsers' reason for it, cache poisoning through proxies,
/// does not apply on loopback). Server frames are never fragmented by Kestrel for these sizes; fragments
/// are reassembled anyway.
/// </summary>
internal sealed class RawWebSocket : IDisposable
{
    /// <summary>Room to leave before a payload so <see cref="FrameText"/> can write the header in front of it.</summary>
    public const int MaxHeader = 14;

    private static readonly byte[] CloseFrame = [0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE8]; // close 1000, zero mask
    private readonly Socket _socket;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private byte[]? _fragments;
    private int _fragmentLength;

    private RawWebSocket(Socket socket, byte[] buffer, int start, int end)
    {
        _socket = socket;
        _buffer = buffer;
        _start = start;
        _end = end;
    }

    public string? CloseReason { get; private set; }

    public static async Task<RawWebSocket> ConnectAsync(Uri url, IPAddress? source, int bufferBytes, bool smallSocketBuffer, CancellationToken cancellationToken)
    {
        var socket = await SourceAddresses.ConnectAsync(url.Host, url.Port, source, smallSocketBuffer ? 4096 : null, cancellationToken);
        try
        {
            var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
            var request = $"GET {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n";
            await socket.SendAsync(Encoding.ASCII.GetBytes(request), SocketFlags.None, cancellationToken);

            var buffer = new byte[Math.Max(bufferBytes, 2048)];
            var end = 0;
            int headerEnd;
            while ((headerEnd = buffer.AsSpan(0, end).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (end == buffer.Length)
                {
                    throw new InvalidOperationException("WebSocket handshake response too large");
                }

                var read = await socket.ReceiveAsync(buffer.AsMemory(end), SocketFlags.None, cancellationToken);
                if (read == 0)
                {
                    throw new InvalidOperationException("the server closed the connection during the WebSocket handshake");
                }

                end += read;
            }

            var head = Encoding.ASCII.GetString(buffer, 0, headerEnd);
#pragma warning disable CA5350 // RFC 6455 defines Sec-WebSocket-Accept with SHA-1; not a security use.
            var accept = Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")));
#pragma warning restore CA5350
            if (!head.StartsWith("HTTP/1.1 101", StringComparison.Ordinal) || !head.Contains(accept, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"WebSocket upgrade refused: {head.Split('\r')[0]}");
            }

            return new RawWebSocket(socket, buffer, headerEnd + 4, end);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Writes a final text frame's header in front of the <paramref name="payloadLength"/> bytes at
    /// <c>buffer[MaxHeader..]</c> and returns where the frame starts.
    /// </summary>
    public static int FrameText(Span<byte> buffer, int payloadLength)
    {
        int headerLength = payloadLength < 126 ? 6 : payloadLength <= ushort.MaxValue ? 8 : 14;
        var start = MaxHeader - headerLength;
        var h = buffer[start..MaxHeader];
        h[0] = 0x81; // FIN, text
        if (payloadLength < 126)
        {
            h[1] = (byte)(0x80 | payloadLength);
        }
        else if (payloadLength <= ushort.MaxValue)
        {
            h[1] = 0x80 | 126;
            BinaryPrimitives.WriteUInt16BigEndian(h[2..], (ushort)payloadLength);
        }
        else
        {
            h[1] = 0x80 | 127;
            BinaryPrimitives.WriteUInt64BigEndian(h[2..], (ulong)payloadLength);
        }

        h[^4..].Clear(); // zero masking key
        return start;
    }

    public async ValueTask SendAsync(ReadOnlyMemory<byte> frame)
    {
        while (!frame.IsEmpty)
        {
            var sent = await _socket.SendAsync(frame, SocketFlags.None);
            frame = frame[sent..];
        }
    }

    /// <summary>Sends one text message (allocates; for handshakes and subscribes, not the hot path).</summary>
    public ValueTask SendTextAsync(string text)
    {
        var payload = Encoding.UTF8.GetBytes(text);
        var frame = new byte[MaxHeader + payload.Length];
        payload.CopyTo(frame, MaxHeader);
        var start = FrameText(frame, payload.Length);
        return SendAsync(frame.AsMemory(start));
    }

    /// <summary>
    /// Reads until the server closes or the connection breaks, handing each complete text message to
    /// <paramref name="onText"/> (the span is valid during the call only). Pings are answered when
    /// <paramref name="answerPings"/> (only where no other task sends on this socket).
    /// </summary>
    public async Task ReadAsync(RawTextHandler onText, Func<Task?> gate, bool answerPings)
    {
        try
        {
            while (true)
            {
                while (TryTakeFrame(out var opcode, out var fin, out var payloadStart, out var payloadLength))
                {
                    if (!Handle(opcode, fin, _buffer.AsSpan(payloadStart, payloadLength), onText, out var pong))
                    {
                        return;
                    }

                    if (pong is not null && answerPings)
                    {
                        await SendAsync(pong);
                    }
                }

                if (gate() is { } wait)
                {
                    await wait;
                }

                Compact();
                var read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None);
                if (read == 0)
                {
                    CloseReason ??= "connection closed without a close frame";
                    return;
                }

                _end += read;
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            CloseReason ??= $"connection ended: {ex.GetType().Name}";
        }
    }

    private bool TryTakeFrame(out int opcode, out bool fin, out int payloadStart, out int payloadLength)
    {
        opcode = payloadStart = payloadLength = 0;
        fin = false;
        var available = _end - _start;
        if (available < 2)
        {
            return false;
        }

        var b0 = _buffer[_start];
        var b1 = _buffer[_start + 1];
        var masked = (b1 & 0x80) != 0;
        long length = b1 & 0x7F;
        var header = 2;
        if (length == 126)
        {
            if (available < 4)
            {
                return false;
            }

            length = BinaryPrimitives.ReadUInt16BigEndian(_buffer.AsSpan(_start + 2));
            header = 4;
        }
        else if (length == 127)
        {
            if (available < 10)
            {
                return false;
            }

            length = (long)BinaryPrimitives.ReadUInt64BigEndian(_buffer.AsSpan(_start + 2));
            header = 10;
        }

        var maskAt = _start + header;
        if (masked)
        {
            header += 4;
        }

        if (header + length > _buffer.Length)
        {
            Array.Resize(ref _buffer, (int)Math.Max(_buffer.Length * 2L, header + length));
        }

        if (available < header + length)
        {
            return false;
        }

        opcode = b0 & 0x0F;
        fin = (b0 & 0x80) != 0;
        payloadStart = _start + header;
        payloadLength = (int)length;
        if (masked)
        {
            for (var i = 0; i < payloadLength; i++)
            {
                _buffer[payloadStart + i] ^= _buffer[maskAt + (i & 3)];
            }
        }

        _start += header + payloadLength;
        return true;
    }

    private bool Handle(int opcode, bool fin, ReadOnlySpan<byte> payload, RawTextHandler onText, out byte[]? pong)
    {
        pong = null;
        switch (opcode)
        {
            case 0x1 when fin && _fragmentLength == 0:
                onText(payload);
                return true;
            case 0x1 or 0x0:
                if (_fragments is null || _fragmentLength + payload.Length > _fragments.Length)
                {
                    Array.Resize(ref _fragments, Math.Max(4096, (_fragmentLength + payload.Length) * 2));
                }

                payload.CopyTo(_fragments.AsSpan(_fragmentLength));
                _fragmentLength += payload.Length;
                if (fin)
                {
                    onText(_fragments.AsSpan(0, _fragmentLength));
                    _fragmentLength = 0;
                }

                return true;
            case 0x8:
                CloseReason = payload.Length >= 2
                    ? $"closed by server: {BinaryPrimitives.ReadUInt16BigEndian(payload)} {Encoding.UTF8.GetString(payload[2..])}"
                    : "closed by server";
                return false;
            case 0x9:
                pong = new byte[6 + payload.Length];
                pong[0] = 0x8A;
                pong[1] = (byte)(0x80 | payload.Length);
                payload.CopyTo(pong.AsSpan(6));
                return true;
            default:
                return true; // pong, binary: not used by the protocol
        }
    }

    private void Compact()
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }
        else if (_end == _buffer.Length || _start > _buffer.Length / 2)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
    }

    /// <summary>Sends a close frame (1000), bounded; the reader then sees the server's close.</summary>
    public async Task CloseAsync()
    {
        try
        {
            await _socket.SendAsync(CloseFrame, SocketFlags.None).WaitAsync(TimeSpan.FromSeconds(3));
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or TimeoutException)
        {
        }
    }

    public void Dispose() => _socket.Dispose();
}

internal delegate void RawTextHandler(ReadOnlySpan<byte> text);
