using PubSub.Bench.Measurement;

namespace PubSub.Bench.Transports;

/// <summary>A /ws publisher on <see cref="RawWebSocket"/>: the publish frame is built in place behind room for the WebSocket header.</summary>
internal sealed class RawWsPublisher : IBenchPublisher
{
    private readonly RawWebSocket _ws;
    private readonly WsPublishFrames _requests;
    private readonly byte[] _frame;
    private readonly Task _reader;

    public RawWsPublisher(RawWebSocket ws, PublisherSpec spec)
    {
        _ws = ws;
        _requests = new WsPublishFrames(spec);
        _frame = new byte[RawWebSocket.MaxHeader + _requests.MaxLength];
        _reader = Task.Run(() => ws.ReadAsync(_requests.OnReply, static () => null, answerPings: false), CancellationToken.None);
    }

    public ValueTask SendAsync(int topic, long counter, long sendTicks = 0)
    {
        var length = _requests.Write(_frame.AsSpan(RawWebSocket.MaxHeader), topic, counter, sendTicks);
        var start = RawWebSocket.FrameText(_frame, length);
        return _ws.SendAsync(_frame.AsMemory(start, RawWebSocket.MaxHeader + length - start));
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
    private readonly ReadGate _gate = new();
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
        await ws.ReadAsync(OnFrame, () => _gate.Task, answerPings: true);
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

    public void Pause() => _gate.Pause();

    public void Resume() => _gate.Resume();

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
