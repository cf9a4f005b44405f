using System.Buffers.Text;
using System.Net.Sockets;
using PubSub.Bench.Measurement;

namespace PubSub.Bench.Transports;

/// <summary>
/// Reads a RESP stream into a buffer and hands each complete top-level reply to a parser callback, which
/// returns how many bytes it consumed (0: incomplete, read more).
/// </summary>
internal sealed class RespReader(Socket socket, int bufferBytes)
{
    private byte[] _buffer = new byte[bufferBytes];
    private int _start;
    private int _end;

    public delegate int Parser(ReadOnlySpan<byte> data);

    /// <summary>Reads until the connection ends; <paramref name="gate"/> is awaited before each read when not null.</summary>
    public async Task RunAsync(Parser parse, Func<Task?> gate)
    {
        while (true)
        {
            if (gate() is { } wait)
            {
                await wait;
            }

            if (_end == _buffer.Length)
            {
                if (_start > 0)
                {
                    _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
                    _end -= _start;
                    _start = 0;
                }
                else
                {
                    Array.Resize(ref _buffer, _buffer.Length * 2);
                }
            }

            var read = await socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None);
            if (read == 0)
            {
                return;
            }

            _end += read;
            while (_start < _end)
            {
                var used = parse(_buffer.AsSpan(_start, _end - _start));
                if (used == 0)
                {
                    break;
                }

                _start += used;
            }

            if (_start == _end)
            {
                _start = _end = 0;
            }
        }
    }

    /// <summary>Length of the line at the start of <paramref name="data"/> including CRLF, or 0 when incomplete.</summary>
    public static int Line(ReadOnlySpan<byte> data)
    {
        var lf = data.IndexOf((byte)'\n');
        return lf < 0 ? 0 : lf + 1;
    }

    /// <summary>
    /// Parses one bulk string (<c>$len\r\n…\r\n</c>) at the start of <paramref name="data"/>: its bytes and the
    /// total length, or false when incomplete. A null bulk string ($-1) yields an empty span.
    /// </summary>
    public static bool Bulk(ReadOnlySpan<byte> data, out ReadOnlySpan<byte> value, out int used)
    {
        value = default;
        used = 0;
        var line = Line(data);
        if (line == 0)
        {
            return false;
        }

        if (data[0] != (byte)'$' || !Utf8Parser.TryParse(data[1..], out int length, out _))
        {
            throw new InvalidDataException($"unexpected RESP: {FrameText.Clip(data, 60)}");
        }

        if (length < 0)
        {
            used = line;
            return true;
        }

        if (data.Length < line + length + 2)
        {
            return false;
        }

        value = data.Slice(line, length);
        used = line + length + 2;
        return true;
    }
}
