using System.Globalization;
using PubSub.Bench.Measurement;

namespace PubSub.Bench.Transports;

/// <summary>
/// redis-server's own pub/sub, the reference, through a minimal RESP2 client on a raw socket: PUBLISH commands
/// pipelined under the same window as /ws publishes (each <c>:N</c> reply is the ack), and SUBSCRIBE push
/// messages parsed in place. Channels are the topic names; Redis needs no topic creation.
/// </summary>
internal sealed class RedisTransport(string endpoint) : IBenchTransport
{
    private readonly (string Host, int Port) _endpoint = Parse(endpoint);

    public string Name => "redis";

    public Task PrepareTopicsAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task CleanupTopicsAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<IBenchPublisher> ConnectPublisherAsync(PublisherSpec spec, CancellationToken cancellationToken)
    {
        var socket = await SourceAddresses.ConnectAsync(_endpoint.Host, _endpoint.Port, spec.Source, null, cancellationToken);
        return new RespPublisher(socket, spec);
    }

    public async Task<IBenchSubscriber> ConnectSubscriberAsync(SubscriberSpec spec, IEventSink sink, CancellationToken cancellationToken)
    {
        var socket = await SourceAddresses.ConnectAsync(_endpoint.Host, _endpoint.Port, spec.Source, spec.SmallSocketBuffer ? 4096 : null, cancellationToken);
        var subscriber = new RespSubscriber(socket, spec, sink);
        try
        {
            await subscriber.SubscribeAsync(cancellationToken);
            return subscriber;
        }
        catch
        {
            await subscriber.DisposeAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    internal static (string Host, int Port) Parse(string endpoint)
    {
        var colon = endpoint.LastIndexOf(':');
        return colon < 0
            ? (endpoint, 6379)
            : (endpoint[..colon], int.Parse(endpoint[(colon + 1)..], CultureInfo.InvariantCulture));
    }
}
