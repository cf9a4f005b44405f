using PubSub.Bench.Measurement;

namespace PubSub.Bench.Transports;

/// <summary>
/// One transport over several nodes of one broker (the Redis engine): subscriber i and publisher p connect to node
/// i mod N and p mod N, so a run with N nodes splits its connections evenly; topics are made and removed through the first.
/// </summary>
internal sealed class SpreadTransport(IBenchTransport[] nodes) : IBenchTransport
{
    public string Name => $"{nodes[0].Name} x{nodes.Length} nodes";

    public Task PrepareTopicsAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken) => nodes[0].PrepareTopicsAsync(topics, cancellationToken);

    public Task CleanupTopicsAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken) => nodes[0].CleanupTopicsAsync(topics, cancellationToken);

    public Task<IBenchPublisher> ConnectPublisherAsync(PublisherSpec spec, CancellationToken cancellationToken) =>
        nodes[spec.Index % nodes.Length].ConnectPublisherAsync(spec, cancellationToken);

    public Task<IBenchSubscriber> ConnectSubscriberAsync(SubscriberSpec spec, IEventSink sink, CancellationToken cancellationToken) =>
        nodes[spec.Index % nodes.Length].ConnectSubscriberAsync(spec, sink, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        foreach (var node in nodes)
        {
            await node.DisposeAsync();
        }
    }
}
