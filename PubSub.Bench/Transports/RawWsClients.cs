using System.Diagnostics;
using System.Text;
using PubSub.Bench.Measurement;

namespace PubSub.Bench.Transports;

/// <summary>A /ws publisher on <see cref="RawWebSocket"/>: the publish frame is built in place behind room for the WebSocket header.</summary>
internal sealed class RawWsPublisher : IBenchPublisher
{
    private readonly RawWebSocket _ws;
    private readonly PublisherSpec _spec;
    private readonly byte[][] _prefixes;
    private readonly byte[] _frame;
    private readonly Task _reader;

    public RawWsPublisher(RawWebSocket ws, PublisherSpec spec)
    {
        _ws = ws;
        _spec = spec;
        _prefixes = spec.Topics
            .Select(t => Encoding.UTF8.GetBytes($"{{\"type\":\"publish\",\"topic\":\"{t}\",\"client_id\":\"bench-p{spec.Index}\",\"message\":{{\"payload\":"))
            .ToArray();
        _frame = new byte[RawWebSocket.MaxHeader + _prefixes.Max(p => p.Length) + spec.PayloadBytes + 128];
        _reader = Task.Run(() => ws.ReadAsync(OnFrame, static () => null, answerPings: false), CancellationToken.None);
    }

    public ValueTask SendAsync(int topic, long counter, long sendTicks = 0)
    {
        var prefix = _prefixes[topic];
        var n = RawWebSocket.MaxHeader;
        prefix.CopyTo(_frame, n);
        n += prefix.Length;
        n += BenchPayload.Write(_frame.AsSpan(n), _spec.PayloadBytes, sendTicks == 0 ? Stopwatch.GetTimestamp() : sendTicks, _spec.Index, topic, counter);
        _frame[n++] = (byte)'}';
        _frame[n++] = (byte)'}';
        var start = RawWebSocket.FrameText(_frame, n - RawWebSocket.MaxHeader);
        return _ws.SendAsync(_frame.AsMemory(start, n - start));
    }

    private void OnFrame(ReadOnlySpan<byte> frame)
    {
        if (frame.StartsWith("{\"type\":\"ack\""u8))
        {
            _spec.Window.Ack();
        }
        else if (frame.StartsWith("{\"type\":\"error\""u8))
        {
            _spec.Window.Error(FrameText.Clip(frame));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _ws.CloseAsync();
        await _reader.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _ws.Dispose();
    }
}

/// <summary>A /ws subscriber on <see cref="RawWebSocket"/>: subscribes, counts the acks, then finds the bench payload in each event by span search.</summary>
internal sealed class RawWsSubscriber(RawWebSocket ws, SubscriberSpec spec, IEventSink sink) : IBenchSubscriber
{
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile TaskCompletionSource? _gate;
    private int _acks;
    private Task? _reader;

    public async Task SubscribeAsync(CancellationToken cancellationToken)
    {
        _reader = Task.Run(RunAsync, CancellationToken.None);
        foreach (var topic in spec.Topics)
        {
            await ws.SendTextAsync($"{{\"type\":\"subscribe\",\"topic\":\"{topic}\",\"client_id\":\"bench-s{spec.Index}\"}}");
        }

        await _subscribed.Task.WaitAsync(cancellationToken);
    }

    private async Task RunAsync()
    {
        await ws.ReadAsync(OnFrame, () => _gate?.Task, answerPings: true);
        sink.OnClosed(ws.CloseReason ?? "closed");
        _subscribed.TrySetException(new InvalidOperationException($"subscribe not acknowledged: {ws.CloseReason}"));
    }

    private void OnFrame(ReadOnlySpan<byte> frame)
    {
        if (frame.StartsWith("{\"type\":\"event\""u8))
        {
            if (BenchPayload.TryFind(frame, out var ticks, out var publisher, out var topic, out var counter))
            {
                sink.OnEvent(ticks, publisher, topic, counter);
            }
            else
            {
                sink.OnMalformed();
            }
        }
        else if (frame.StartsWith("{\"type\":\"ack\""u8))
        {
            if (++_acks == spec.Topics.Count)
            {
                _subscribed.TrySetResult();
            }
        }
        else if (frame.StartsWith("{\"type\":\"error\""u8))
        {
            var text = FrameText.Clip(frame);
            if (!_subscribed.Task.IsCompleted)
            {
                _subscribed.TrySetException(new InvalidOperationException($"subscribe refused: {text}"));
            }

            sink.OnError(FrameText.ErrorCode(frame), text);
        }
    }

    public void Pause() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Resume()
    {
        var gate = _gate;
        _gate = null;
        gate?.TrySetResult();
    }

    public async ValueTask DisposeAsync()
    {
        Resume();
        await ws.CloseAsync();
        if (_reader is not null)
        {
            await _reader.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        ws.Dispose();
    }
}
