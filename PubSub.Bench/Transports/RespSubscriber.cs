using System.Globalization;
using System.Net.Sockets;
using System.Text;
using PubSub.Bench.Measurement;

namespace PubSub.Bench.Transports;

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
