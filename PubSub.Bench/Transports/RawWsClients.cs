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
internal sealed class RawWsSubscriber(RawWebSocket ws, SubscriberSpec spec, IEventSink sink) : RawSubscriber(ws, sink)
{
    private int _acks;

    protected override async Task SendSubscribeAsync()
    {
        foreach (var topic in spec.Topics)
        {
            await Socket.SendTextAsync($"{{\"type\":\"subscribe\",\"topic\":\"{topic}\",\"client_id\":\"bench-s{spec.Index}\"}}");
        }
    }

    protected override void OnText(ReadOnlySpan<byte> frame)
    {
        if (frame.StartsWith("{\"type\":\"event\""u8))
        {
            if (BenchPayload.TryFind(frame, out var ticks, out var publisher, out var topic, out var counter))
            {
                Sink.OnEvent(ticks, publisher, topic, counter);
            }
            else
            {
                Sink.OnMalformed();
            }
        }
        else if (frame.StartsWith("{\"type\":\"ack\""u8))
        {
            if (++_acks == spec.Topics.Count)
            {
                Subscribed.TrySetResult();
            }
        }
        else if (frame.StartsWith("{\"type\":\"error\""u8))
        {
            var text = FrameText.Clip(frame);
            if (!Subscribed.Task.IsCompleted)
            {
                Subscribed.TrySetException(new InvalidOperationException($"subscribe refused: {text}"));
            }

            Sink.OnError(FrameText.ErrorCode(frame), text);
        }
    }
}
