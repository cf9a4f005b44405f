using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;

namespace PubSub.Tests.Infrastructure;

/// <summary>
/// A raw <see cref="ClientWebSocket"/> speaking the JSON protocol. One background loop reads the socket into a
/// channel, so waiting for a frame can time out without cancelling the socket's receive (which would abort it).
/// </summary>
public sealed class WsClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;
    private readonly Channel<JsonElement> _frames = Channel.CreateUnbounded<JsonElement>();
    private readonly Task _reader;
    private WebSocketCloseStatus? _closeStatus;

    private WsClient(ClientWebSocket socket)
    {
        _socket = socket;
        _reader = Task.Run(ReadLoopAsync);
    }

    public WebSocket Socket => _socket;

    public static async Task<WsClient> ConnectAsync(Uri uri, Action<ClientWebSocketOptions>? configure = null)
    {
        var socket = new ClientWebSocket();
        configure?.Invoke(socket.Options);
        using var cts = new CancellationTokenSource(Timeouts.Short);
        await socket.ConnectAsync(uri, cts.Token);
        return new WsClient(socket);
    }

    /// <summary>Stops reading the socket (after at most one more frame), so the server's sends back up, as a stalled client's would.</summary>
    public void PauseReading() => _readGate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Reads the socket again.</summary>
    public void ResumeReading() => _readGate.TrySetResult();

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[1 << 20];
        var count = 0;
        try
        {
            while (true)
            {
                await _readGate.Task;
                var result = await _socket.ReceiveAsync(buffer.AsMemory(count), CancellationToken.None);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    _closeStatus = _socket.CloseStatus;
                    break;
                }

                count += result.Count;
                if (result.EndOfMessage)
                {
                    _frames.Writer.TryWrite(JsonDocument.Parse(buffer.AsMemory(0, count)).RootElement.Clone());
                    count = 0;
                }
            }
        }
        catch (Exception ex) when (ex is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
        }
        finally
        {
            _frames.Writer.TryComplete();
        }
    }

    private volatile TaskCompletionSource _readGate = CreateOpenGate();

    private static TaskCompletionSource CreateOpenGate()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        gate.SetResult();
        return gate;
    }

    public Task SendAsync(object frame) => SendTextAsync(JsonSerializer.Serialize(frame));

    public async Task SendTextAsync(string text)
    {
        using var cts = new CancellationTokenSource(Timeouts.Short);
        await _socket.SendAsync(Encoding.UTF8.GetBytes(text), WebSocketMessageType.Text, true, cts.Token);
    }

    public async Task SendBytesAsync(byte[] bytes, WebSocketMessageType type)
    {
        using var cts = new CancellationTokenSource(Timeouts.Short);
        await _socket.SendAsync(bytes, type, true, cts.Token);
    }

    /// <summary>The next frame as JSON; fails if none comes in time or the socket closes.</summary>
    public async Task<JsonElement> ReceiveAsync(TimeSpan? timeout = null)
    {
        var frame = await TryReceiveAsync(timeout ?? Timeouts.Short);
        return frame ?? throw new Xunit.Sdk.XunitException($"no frame within {timeout ?? Timeouts.Short} (state {_socket.State}, close {_closeStatus})");
    }

    /// <summary>The next frame, or null if none within <paramref name="timeout"/> or the server closed.</summary>
    public async Task<JsonElement?> TryReceiveAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _frames.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
        catch (ChannelClosedException)
        {
            return null;
        }
    }

    /// <summary>The next frame, which must have <paramref name="type"/>.</summary>
    public async Task<JsonElement> ExpectAsync(string type, TimeSpan? timeout = null)
    {
        var frame = await ReceiveAsync(timeout);
        Assert.True(frame.GetProperty("type").GetString() == type, $"expected a '{type}' frame, got {frame}");
        return frame;
    }

    /// <summary>Asserts that nothing arrives for a short while.</summary>
    public async Task ExpectSilenceAsync()
    {
        var frame = await TryReceiveAsync(Timeouts.Quiet);
        Assert.True(frame is null, $"expected no frame, got {frame}");
    }

    /// <summary>Reads until the server's close frame; returns its status and the frames before it.</summary>
    public async Task<(WebSocketCloseStatus? Status, List<JsonElement> Frames)> ReadUntilCloseAsync(TimeSpan? timeout = null)
    {
        var frames = new List<JsonElement>();
        using var cts = new CancellationTokenSource(timeout ?? Timeouts.Long);
        try
        {
            await foreach (var frame in _frames.Reader.ReadAllAsync(cts.Token))
            {
                frames.Add(frame);
            }
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"no close within {timeout ?? Timeouts.Long}; got {frames.Count} frames");
        }

        await _reader.Within();
        return (_closeStatus, frames);
    }

    public async Task<JsonElement> SubscribeAsync(string topic, string clientId = "s1", int? lastN = null, long? sinceSeq = null, string? requestId = null)
    {
        var frame = new Dictionary<string, object?> { ["type"] = "subscribe", ["topic"] = topic, ["client_id"] = clientId };
        if (lastN is not null)
        {
            frame["last_n"] = lastN;
        }

        if (sinceSeq is not null)
        {
            frame["since_seq"] = sinceSeq;
        }

        if (requestId is not null)
        {
            frame["request_id"] = requestId;
        }

        await SendAsync(frame);
        return await ExpectAsync("ack");
    }

    public Task PublishAsync(string topic, object payload, string? id = null, string? requestId = null, string clientId = "p1") =>
        SendAsync(new Dictionary<string, object?>
        {
            ["type"] = "publish",
            ["topic"] = topic,
            ["client_id"] = clientId,
            ["message"] = new Dictionary<string, object?> { ["id"] = id ?? Guid.NewGuid().ToString(), ["payload"] = payload },
            ["request_id"] = requestId,
        });

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_socket.State == WebSocketState.Open)
            {
                // Bounded twice: the token aborts a close stuck behind a full send buffer, WaitAsync whatever else holds it.
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "bye", cts.Token).WaitAsync(TimeSpan.FromSeconds(3));
                await _reader.WaitAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or TimeoutException)
        {
            // A close that fails or times out is not the test's concern: the socket is aborted below either way.
        }

        _socket.Abort();
        _socket.Dispose();
    }
}
