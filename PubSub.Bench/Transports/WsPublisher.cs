using System.Net.WebSockets;

namespace PubSub.Bench.Transports;

/// <summary>
/// A /ws publisher on ClientWebSocket: writes each request (<see cref="WsPublishFrames"/>) from one reusable
/// buffer, and counts the acks its receive loop reads into the window.
/// </summary>
internal sealed class WsPublisher : IBenchPublisher
{
    private readonly ClientWebSocket _ws;
    private readonly WsPublishFrames _requests;
    private readonly byte[] _frame;
    private readonly Task _reader;

    public WsPublisher(ClientWebSocket ws, PublisherSpec spec)
    {
        _ws = ws;
        _requests = new WsPublishFrames(spec);
        _frame = new byte[_requests.MaxLength];
        _reader = Task.Run(() => WsReading.ReadFramesAsync(ws, 16 * 1024, static () => false, static () => Task.CompletedTask, frame => _requests.OnReply(frame.Span), null), CancellationToken.None);
    }

    public ValueTask SendAsync(int topic, long counter, long sendTicks = 0)
    {
        var length = _requests.Write(_frame, topic, counter, sendTicks);
        return _ws.SendAsync(_frame.AsMemory(0, length), WebSocketMessageType.Text, endOfMessage: true, CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        await WsClose.CloseAsync(_ws);
        await _reader.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _ws.Dispose();
    }
}
