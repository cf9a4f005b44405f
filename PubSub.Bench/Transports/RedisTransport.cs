using System.Buffers.Text;
using System.Globalization;
using System.Net.Sockets;
using System.Text;
using PubSub.Bench.Measurement;

namespace PubSub.Bench.Transports;

/// <summary>
/// redis-server's own pub/sub, the reference, through a minimal RESP2 client on a raw socket: PUBLISH commands
/// pipelined under the same window as /ws publishes (each <c>:N</c> reply is the ack), and SUBSCRIBE push
/// messages parsed in place. Channels are the topic names; Redis needs no topic creation.
/// </summary>
internal sealed class RedisTransport(string endpoint) : IBenchTransport
{
    private readonly (string Host, int Port) _endpoint = Parse(endpoint);

    public string Name => "redis";

    public Task PrepareTopicsAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task CleanupTopicsAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<IBenchPublisher> ConnectPublisherAsync(PublisherSpec spec, CancellationToken cancellationToken)
    {
        var socket = await SourceAddresses.ConnectAsync(_endpoint.Host, _endpoint.Port, spec.Source, null, cancellationToken);
        return new RespPublisher(socket, spec);
    }

    public async Task<IBenchSubscriber> ConnectSubscriberAsync(SubscriberSpec spec, IEventSink sink, CancellationToken cancellationToken)
    {
        var socket = await SourceAddresses.ConnectAsync(_endpoint.Host, _endpoint.Port, spec.Source, spec.SmallSocketBuffer ? 4096 : null, cancellationToken);
        var subscriber = new RespSubscriber(socket, spec, sink);
        try
        {
            await subscriber.SubscribeAsync(cancellationToken);
            return subscriber;
        }
        catch
        {
            await subscriber.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    internal static (string Host, int Port) Parse(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        return colon < 0
            ? (endpoint, 6379)
            : (endpoint[..colon], int.Parse(endpoint[(colon + 1)..], CultureInfo.InvariantCulture));
    }
}

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

/// <summary>A Redis subscriber: SUBSCRIBE, then <c>*3 $7 message $channel $payload</c> pushes parsed in place.</summary>
internal sealed class RespSubscriber(Socket socket, SubscriberSpec spec, IEventSink sink) : IBenchSubscriber
{
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ReadGate _gate = new();
    private int _acks;
    private Task? _reader;

    public async Task SubscribeAsync(CancellationToken cancellationToken)
    {
        var command = new StringBuilder().Append(CultureInfo.InvariantCulture, $"*{spec.Topics.Count + 1}\r\n$9\r\nSUBSCRIBE\r\n");
        foreach (var topic in spec.Topics)
        {
            command.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(topic)}\r\n{topic}\r\n");
        }

        await socket.SendAsync(Encoding.UTF8.GetBytes(command.ToString()), SocketFlags.None, cancellationToken);
        _reader = Task.Run(RunAsync, CancellationToken.None);
        await _subscribed.Task.WaitAsync(cancellationToken);
    }

    private async Task RunAsync()
    {
        try
        {
            await new RespReader(socket, spec.ReceiveBufferBytes).RunAsync(OnPush, () => _gate.Task);
            sink.OnClosed("closed by server");
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or InvalidDataException)
        {
            sink.OnClosed($"connection ended: {ex.GetType().Name}");
        }
        finally
        {
            _subscribed.TrySetException(new InvalidOperationException("redis closed the connection before SUBSCRIBE was acknowledged"));
        }
    }

    private int OnPush(ReadOnlySpan<byte> data)
    {
        if (data[0] == (byte)'-')
        {
            var line = RespReader.Line(data);
            if (line > 0)
            {
                sink.OnError("REDIS", FrameText.Clip(data[..line]));
            }

            return line;
        }

        // *3\r\n then three elements: kind, channel, payload (an integer for subscribe acks).
        var header = RespReader.Line(data);
        if (header == 0)
        {
            return 0;
        }

        var rest = data[header..];
        if (!RespReader.Bulk(rest, out var kind, out var used))
        {
            return 0;
        }

        var total = header + used;
        rest = rest[used..];
        if (!RespReader.Bulk(rest, out _, out used))
        {
            return 0;
        }

        total += used;
        rest = rest[used..];
        if (kind.SequenceEqual("message"u8))
        {
            if (!RespReader.Bulk(rest, out var payload, out used))
            {
                return 0;
            }

            if (BenchPayload.TryRead(payload, out var ticks, out var publisher, out var topic, out var counter))
            {
                sink.OnEvent(ticks, publisher, topic, counter);
            }
            else
            {
                sink.OnMalformed();
            }

            return total + used;
        }

        // subscribe / unsubscribe: the third element is the subscription count (:n).
        var count = RespReader.Line(rest);
        if (count == 0)
        {
            return 0;
        }

        if (kind.SequenceEqual("subscribe"u8) && ++_acks == spec.Topics.Count)
        {
            _subscribed.TrySetResult();
        }

        return total + count;
    }

    public void Pause() => _gate.Pause();

    public void Resume() => _gate.Resume();

    public async ValueTask DisposeAsync()
    {
        Resume();
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }

        if (_reader is not null)
        {
            await _reader.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        socket.Dispose();
    }
}
