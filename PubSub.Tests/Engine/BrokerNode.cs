using Microsoft.Extensions.DependencyInjection;
using PubSub.Core;
using PubSub.Core.Delivery;
using PubSub.Core.Engine;
using PubSub.Core.Engine.Redis;
using PubSub.Core.Hosting;
using PubSub.Tests.Core;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Engine;

/// <summary>
/// One broker node built through the real registration (<c>AddPubSub</c>, and <c>AddPubSubRedisEngine</c> when given a
/// Redis): the unit the engine contract tests and the multi-node broker tests run against.
/// </summary>
internal sealed class BrokerNode : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private BrokerNode(ServiceProvider services)
    {
        _services = services;
        Broker = services.GetRequiredService<PubSubBroker>();
        Engine = services.GetRequiredService<IPubSubEngine>();
    }

    public PubSubBroker Broker { get; }

    public IPubSubEngine Engine { get; }

    public static BrokerNode InMemory(Action<PubSubOptions>? configure = null) => Build(configure, null);

    /// <summary>A node on Redis; <paramref name="services"/> may replace registrations (e.g. put a test fan-out between engine and broker).</summary>
    public static BrokerNode OnRedis(string configuration, string prefix, Action<PubSubOptions>? configure = null, Action<RedisEngineOptions>? redis = null, Action<IServiceCollection>? services = null) =>
        Build(configure, o =>
        {
            o.Configuration = configuration;
            o.KeyPrefix = prefix;
            redis?.Invoke(o);
        }, services);

    private static BrokerNode Build(Action<PubSubOptions>? configure, Action<RedisEngineOptions>? redis, Action<IServiceCollection>? replace = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPubSub(configure: configure);
        if (redis is not null)
        {
            services.AddPubSubRedisEngine(configure: redis);
        }

        replace?.Invoke(services);

        return new BrokerNode(services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true }));
    }

    /// <summary>A connection subscribed to <paramref name="topic"/>, its ack read off the queue.</summary>
    public async Task<BrokerConnection> SubscribeAsync(string topic)
    {
        var connection = Broker.Connect("test");
        await Broker.SubscribeAsync(connection, topic, "s", ack: _ => OutboundFrame.ForReply("ack")).Within();
        return connection;
    }

    public Task<PublishReceipt> PublishAsync(string topic, string payload = "{\"n\":1}", string? publisher = null, string? key = null) =>
        Broker.PublishAsync(topic, BrokerFactory.Draft(payload, publisher: publisher) with { IdempotencyKey = key }).Within();

    /// <summary>Disposes the node's services (the Redis engine's connection among them), bounded.</summary>
    public async ValueTask DisposeAsync() => await _services.DisposeAsync().Within();
}

/// <summary>Reading what a connection was sent, by seq.</summary>
internal static class FrameReading
{
    /// <summary>Reads until the connection has been sent the event with <paramref name="seq"/> (or a later one), and returns every frame read.</summary>
    public static Task<List<OutboundFrame>> ReadThroughSeqAsync(this BrokerConnection connection, long seq, TimeSpan? timeout = null) =>
        connection.ReadUntilAsync(frames => frames.Exists(f => f.Kind == OutboundKind.Event && f.Message!.Seq >= seq), timeout);

    public static List<long> Seqs(this IEnumerable<OutboundFrame> frames) =>
        frames.Where(f => f.Kind == OutboundKind.Event).Select(f => f.Message!.Seq).ToList();
}
