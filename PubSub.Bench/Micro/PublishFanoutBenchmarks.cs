using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using PubSub.Core;
using PubSub.Core.Delivery;
using PubSub.Core.Hosting;

namespace PubSub.Bench.Micro;

/// <summary>
/// The broker's publish path into N subscriber queues (validate, history append, seq, one TryEnqueueEvent per
/// subscriber), followed by what the N send loops do with their queues short of the socket: one drain each.
/// Allocation per publish should not grow with N: the message is shared, queue entries are structs.
/// </summary>
[MemoryDiagnoser]
public class PublishFanoutBenchmarks
{
    private readonly List<OutboundFrame> _batch = new(16);
    private PubSubBroker _broker = null!;
    private BrokerConnection[] _connections = [];
    private ServiceProvider _services = null!;
    private ReadOnlyMemory<byte> _payload;

    [Params(1, 100, 1000)]
    public int Subscribers { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPubSub();
        _services = services.BuildServiceProvider();
        _broker = _services.GetRequiredService<PubSubBroker>();
        _broker.CreateTopicAsync("bench").AsTask().GetAwaiter().GetResult();
        _connections = new BrokerConnection[Subscribers];
        for (var i = 0; i < Subscribers; i++)
        {
            _connections[i] = _broker.Connect("bench");
            _broker.SubscribeAsync(_connections[i], "bench", $"s{i}").AsTask().GetAwaiter().GetResult();
        }

        var payload = new byte[256];
        Measurement.BenchPayload.Write(payload, 256, 1, 0, 0, 1);
        _payload = payload;
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Description = "PublishAsync + drain N queues")]
    public async Task<long> PublishAndDrain()
    {
        var message = await _broker.PublishAsync("bench", new MessageDraft(null, _payload, "p0"));
        foreach (var connection in _connections)
        {
            connection.Drain(_batch);
            _batch.Clear();
        }

        return message.Seq;
    }

    [Benchmark(Description = "PublishAsync with an id (UUID check)")]
    public async Task<long> PublishWithId()
    {
        var message = await _broker.PublishAsync("bench", new MessageDraft("550e8400-e29b-41d4-a716-446655440000", _payload, "p0"));
        foreach (var connection in _connections)
        {
            connection.Drain(_batch);
            _batch.Clear();
        }

        return message.Seq;
    }
}
