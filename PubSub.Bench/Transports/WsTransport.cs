using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Net.WebSockets;
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
