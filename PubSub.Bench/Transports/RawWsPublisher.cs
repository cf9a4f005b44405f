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
