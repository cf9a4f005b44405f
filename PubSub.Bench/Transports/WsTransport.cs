using System.Buffers;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
using System.Text;
using PubSub.Bench.Measurement;

namespace PubSub.Bench.Transports;

/// <summary>
/// The raw JSON WebSocket <c>/ws</c>, by default through <see cref="RawWebSocket"/> (many frames per socket read),
/// or through <see cref="ClientWebSocket"/> (<c>--ws-client dotnet</c>: one frame per receive call, kept to
/// compare). ClientWebSocket connections go through a <see cref="SocketsHttpHandler"/> whose connect callback
/// binds the source address, which plain <see cref="ClientWebSocket.ConnectAsync(Uri, CancellationToken)"/> cannot.
/// </summary>
internal sealed class WsTransport(Uri wsUrl, Uri httpBase, bool raw = true) : IBenchTransport
{
    private readonly RestTopics _rest = new(httpBase);
    private readonly ConcurrentDictionary<(IPAddress?, bool), HttpMessageInvoker> _invokers = new();

    public string Name => raw ? "ws" : "ws (ClientWebSocket)";

    public Task PrepareTopicsAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken) => _rest.CreateAsync(topics, cancellationToken);

    public Task CleanupTopicsAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken) => _rest.DeleteAsync(topics, cancellationToken);

    public async Task<IBenchPublisher> ConnectPublisherAsync(PublisherSpec spec, CancellationToken cancellationToken)
    {
        if (raw)
        {
            return new RawWsPublisher(await RawWebSocket.ConnectAsync(wsUrl, spec.Source, 16 * 1024, false, cancellationToken), spec);
        }

        var socket = await ConnectAsync(spec.Source, smallBuffer: false, cancellationToken);
        return new WsPublisher(socket, spec);
    }

    public async Task<IBenchSubscriber> ConnectSubscriberAsync(SubscriberSpec spec, IEventSink sink, CancellationToken cancellationToken)
    {
        if (raw)
        {
            var rawSocket = await RawWebSocket.ConnectAsync(wsUrl, spec.Source, spec.ReceiveBufferBytes, spec.SmallSocketBuffer, cancellationToken);
            var rawSubscriber = new RawWsSubscriber(rawSocket, spec, sink);
            try
            {
                await rawSubscriber.SubscribeAsync(cancellationToken);
                return rawSubscriber;
            }
            catch
            {
                await rawSubscriber.DisposeAsync();
                throw;
            }
        }

        var socket = await ConnectAsync(spec.Source, spec.SmallSocketBuffer, cancellationToken);
        try
        {
            var subscriber = new WsSubscriber(socket, spec, sink);
            await subscriber.SubscribeAsync(cancellationToken);
            return subscriber;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private async Task<ClientWebSocket> ConnectAsync(IPAddress? source, bool smallBuffer, CancellationToken cancellationToken)
    {
        var invoker = _invokers.GetOrAdd((source, smallBuffer), static key => new HttpMessageInvoker(new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = await SourceAddresses.ConnectAsync(context.DnsEndPoint.Host, context.DnsEndPoint.Port, key.Item1, key.Item2 ? 4096 : null, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
            UseProxy = false,
            PooledConnectionLifetime = TimeSpan.Zero,
        }));
        var ws = new ClientWebSocket();
        ws.Options.KeepAliveInterval = TimeSpan.Zero; // the server's heartbeat keeps idle connections honest
        try
        {
            await ws.ConnectAsync(wsUrl, invoker, cancellationToken);
            return ws;
        }
        catch
        {
            ws.Dispose();
            throw;
        }
    }

    public ValueTask DisposeAsync()
    {
        foreach (var invoker in _invokers.Values)
        {
            invoker.Dispose();
        }

        _rest.Dispose();
        return ValueTask.CompletedTask;
    }
}

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
            if (BenchPayload.TryFind(span, out var ticks, out var publisher, out var topic, out var counter))
            {
                sink.OnEvent(ticks, publisher, topic, counter);
            }
            else
            {
                sink.OnMalformed();
            }
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
