using System.Buffers;
using System.Net;
using System.Net.WebSockets;
using System.Threading.Channels;

namespace PubSub.Client;

/// <summary>
/// One WebSocket to one node: frames are queued with <see cref="Send"/> and written, in queue order, by one send loop
/// (a <see cref="ClientWebSocket"/> takes one send at a time); <see cref="ReceiveAsync"/> returns whole messages.
/// The connection is used once: when it ends, the client makes a new one.
/// </summary>
internal sealed class WsConnection : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly Channel<byte[]> _outgoing = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _closing = new();
    private readonly Task _sending;
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(16 * 1024);

    private WsConnection(ClientWebSocket socket, Uri url)
    {
        _socket = socket;
        Url = url;
        _sending = SendLoopAsync();
    }

    public Uri Url { get; }

    /// <summary>Opens a connection to <paramref name="url"/>; a refused upgrade throws <see cref="PubSubException"/> (401, 403).</summary>
    public static async Task<WsConnection> ConnectAsync(Uri url, string? apiKey, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (apiKey is not null)
        {
            socket.Options.SetRequestHeader("X-API-Key", apiKey);
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(url, limit.Token);
        }
        catch (Exception ex) when (socket.HttpStatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            var status = socket.HttpStatusCode;
            socket.Dispose();
            throw status == HttpStatusCode.Unauthorized
                ? new PubSubException(PubSubErrorCodes.Unauthorized, $"{url} refused the connection: the API key is missing or wrong (HTTP 401)", ex)
                : new PubSubException(PubSubErrorCodes.Forbidden, $"{url} refused the connection (HTTP 403)", ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new WsConnection(socket, url);
    }

    /// <summary>Queues a frame; false when the connection has ended (the frame is then not sent).</summary>
    public bool Send(byte[] frame) => _outgoing.Writer.TryWrite(frame);

    /// <summary>The next whole text message, or null when the server closed the connection.</summary>
    public async Task<ReadOnlyMemory<byte>?> ReceiveAsync(CancellationToken cancellationToken)
    {
        var count = 0;
        while (true)
        {
            if (count == _buffer.Length)
            {
                var grown = ArrayPool<byte>.Shared.Rent(_buffer.Length * 2);
                _buffer.AsSpan(0, count).CopyTo(grown);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = grown;
            }

            var result = await _socket.ReceiveAsync(_buffer.AsMemory(count), cancellationToken);
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }

            count += result.Count;
            if (result.EndOfMessage)
            {
                return _buffer.AsMemory(0, count);
            }
        }
    }

    /// <summary>Drops the TCP connection at once (a dead or unwanted connection: no close handshake to wait for).</summary>
    public void Abort()
    {
        _outgoing.Writer.TryComplete();
        _closing.Cancel();
        _socket.Abort();
    }

    private async Task SendLoopAsync()
    {
        try
        {
            await foreach (var frame in _outgoing.Reader.ReadAllAsync(_closing.Token))
            {
                await _socket.SendAsync(frame, WebSocketMessageType.Text, endOfMessage: true, _closing.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
        {
            // The connection broke; the receive side sees it too and the client reconnects.
            _socket.Abort();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _outgoing.Writer.TryComplete();
        if (_socket.State == WebSocketState.Open)
        {
            // Let what is queued go out, then say goodbye; bounded, since the peer may be gone.
            await _sending.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", bounded.Token);
            }
            catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or ObjectDisposedException or IOException)
            {
            }
        }

        Abort();
        await _sending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _socket.Dispose();
        _closing.Dispose();
        ArrayPool<byte>.Shared.Return(_buffer);
    }
}
