using PubSub.Bench.Measurement;

namespace PubSub.Bench.Transports;

/// <summary>
/// One way to reach a broker. Every scenario drives publishers and subscribers through this, so the server
/// and redis-server are loaded by the same loop and measured by the same code.
/// </summary>
internal interface IBenchTransport : IAsyncDisposable
{
    string Name { get; }

    /// <summary>Makes the topics exist (REST for the PubSub server; nothing for Redis, whose channels need no creation).</summary>
    Task PrepareTopicsAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken);

    /// <summary>Removes what <see cref="PrepareTopicsAsync"/> made. Best effort.</summary>
    Task CleanupTopicsAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken);

    Task<IBenchPublisher> ConnectPublisherAsync(PublisherSpec spec, CancellationToken cancellationToken);

    /// <summary>Connects, subscribes to every topic of <paramref name="spec"/> and returns once each subscription is acknowledged.</summary>
    Task<IBenchSubscriber> ConnectSubscriberAsync(SubscriberSpec spec, IEventSink sink, CancellationToken cancellationToken);
}
