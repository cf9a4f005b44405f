using System.Buffers.Text;
using System.Net.Sockets;
using System.Text;
using PubSub.Bench.Measurement;

namespace PubSub.Bench.Transports;

/// <summary>A Redis publisher: PUBLISH pipelined, replies (<c>:receivers</c>) counted as acks.</summary>
internal sealed class RespPublisher : IBenchPublisher
{
    private readonly Socket _socket;
    private readonly PublisherSpec _spec;
    private readonly byte[][] _prefixes;
    private readonly byte[] _frame;
    private readonly byte[] _payload;
    private readonly Task _reader;

    public RespPublisher(Socket socket, PublisherSpec spec)
    {
        _socket = socket;
        _spec = spec;
        _prefixes = spec.Topics.Select(t => Encoding.UTF8.GetBytes($"*3\r\n$7\r\nPUBLISH\r\n${Encoding.UTF8.GetByteCount(t)}\r\n{t}\r\n")).ToArray();
        _payload = new byte[spec.PayloadBytes + 128];
        _frame = new byte[_prefixes.Max(p => p.Length) + _payload.Length + 32];
        _reader = Task.Run(() => new RespReader(socket, 16 * 1024).RunAsync(OnReply, static () => null));
    }

    public ValueTask SendAsync(int topic, long counter, long sendTicks = 0)
    {
        var length = BenchPayload.Write(_payload, _spec.PayloadBytes, sendTicks == 0 ? System.Diagnostics.Stopwatch.GetTimestamp() : sendTicks, _spec.Index, topic, counter);
        var prefix = _prefixes[topic];
        prefix.CopyTo(_frame, 0);
        var n = prefix.Length;
        _frame[n++] = (byte)'$';
        Utf8Formatter.TryFormat(length, _frame.AsSpan(n), out var written);
        n += written;
        _frame[n++] = (byte)'\r';
        _frame[n++] = (byte)'\n';
        _payload.AsSpan(0, length).CopyTo(_frame.AsSpan(n));
        n += length;
        _frame[n++] = (byte)'\r';
        _frame[n++] = (byte)'\n';
        return SendAllAsync(n);
    }

    private async ValueTask SendAllAsync(int length)
    {
        var sent = 0;
        while (sent < length)
        {
            sent += await _socket.SendAsync(_frame.AsMemory(sent, length - sent), SocketFlags.None);
        }
    }

    private int OnReply(ReadOnlySpan<byte> data)
    {
        var line = RespReader.Line(data);
        if (line == 0)
        {
            return 0;
        }

        if (data[0] == (byte)':')
        {
            _spec.Window.Ack();
        }
        else
        {
            _spec.Window.Error(FrameText.Clip(data[..line]));
        }

        return line;
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Shutdown(SocketShutdown.Both);
        await _reader.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket.Dispose();
    }
}
