using System.Net.WebSockets;
using System.Text;
using PubSub.Bench.Measurement;

namespace PubSub.Bench.Transports;

/// <summary>A /ws subscriber: subscribes, then its loop finds the bench payload in each event frame by span search.</summary>
internal sealed class WsSubscriber(ClientWebSocket ws, SubscriberSpec spec, IEventSink sink) : IBenchSubscriber
{
    private readonly ReadGate _gate = new();
    private Task? _reader;

    public async Task SubscribeAsync(CancellationToken cancellationToken)
    {
        foreach (var topic in spec.Topics)
        {
            var frame = Encoding.UTF8.GetBytes($"{{\"type\":\"subscribe\",\"topic\":\"{topic}\",\"client_id\":\"bench-s{spec.Index}\"}}");
            await ws.SendAsync(frame, WebSocketMessageType.Text, true, cancellationToken);
        }

        // The first frames are the acks, in request order (no event can come before its subscription's ack).
        var buffer = new byte[4096];
        for (var acked = 0; acked < spec.Topics.Count;)
        {
            var count = 0;
            ValueWebSocketReceiveResult result;
            do
            {
                result = await ws.ReceiveAsync(buffer.AsMemory(count), cancellationToken);
                count += result.Count;
            }
            while (!result.EndOfMessage && count < buffer.Length);

            var span = buffer.AsSpan(0, count);
            if (span.StartsWith("{\"type\":\"ack\""u8))
            {
                acked++;
            }
            else if (span.StartsWith("{\"type\":\"error\""u8) || result.MessageType == WebSocketMessageType.Close)
            {
                throw new InvalidOperationException($"subscribe refused: {FrameText.Clip(span)}");
            }
        }

        _reader = Task.Run(() => WsReading.ReadFramesAsync(ws, spec.ReceiveBufferBytes, () => _gate.IsPaused, () => _gate.Task ?? Task.CompletedTask, OnFrame, sink), CancellationToken.None);
    }

    private void OnFrame(ReadOnlyMemory<byte> frame)
    {
        var span = frame.Span;
        if (span.StartsWith("{\"type\":\"event\""u8))
        {
            sink.OnEventFrame(span);
        }
        else if (span.StartsWith("{\"type\":\"error\""u8))
        {
            sink.OnError(FrameText.ErrorCode(span), FrameText.Clip(span));
        }
    }

    public void Pause() => _gate.Pause();

    public void Resume() => _gate.Resume();

    public async ValueTask DisposeAsync()
    {
        Resume();
        await WsClose.CloseAsync(ws);
        if (_reader is not null)
        {
            await _reader.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        ws.Dispose();
    }
}
