using System.Buffers;
using System.Net.WebSockets;
using PubSub.Bench.Measurement;

namespace PubSub.Bench.Transports;

/// <summary>Reads whole WebSocket messages into one growing pooled buffer and hands each to a callback.</summary>
internal static class WsReading
{
    public static async Task ReadFramesAsync(WebSocket ws, int bufferBytes, Func<bool> paused, Func<Task> pauseGate, Action<ReadOnlyMemory<byte>> onFrame, IEventSink? sink)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(bufferBytes);
        try
        {
            while (true)
            {
                if (paused())
                {
                    await pauseGate();
                }

                var count = 0;
                ValueWebSocketReceiveResult result;
                do
                {
                    if (count == buffer.Length)
                    {
                        buffer = PooledBuffer.Grow(buffer, count);
                    }

                    result = await ws.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        sink?.OnClosed($"closed by server: {(int?)ws.CloseStatus} {ws.CloseStatusDescription}");
                        return;
                    }

                    count += result.Count;
                }
                while (!result.EndOfMessage);

                onFrame(buffer.AsMemory(0, count));
            }
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or ObjectDisposedException or OperationCanceledException)
        {
            sink?.OnClosed($"connection ended: {ex.GetType().Name}");
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
