using System.Net.WebSockets;

namespace PubSub.Bench.Transports;

internal static class WsClose
{
    /// <summary>Starts the close handshake, bounded: the receive loop sees the server's answer and ends.</summary>
    public static async Task CloseAsync(WebSocket ws)
    {
        if (ws.State is not (WebSocketState.Open or WebSocketState.CloseReceived))
        {
            return;
        }

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
        try
        {
            await ws.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bench done", cts.Token);
        }
        catch (Exception ex) when (ex is WebSocketException or IOException or OperationCanceledException or ObjectDisposedException)
        {
            ws.Abort();
        }
    }
}
