using BenchmarkDotNet.Attributes;
using PubSub.Bench.Measurement;

namespace PubSub.Bench.Micro;

/// <summary>The load generator's own per-message work, which bounds every figure it reports: payload writing, payload finding and tracking.</summary>
[MemoryDiagnoser]
public class ClientPathBenchmarks
{
    private readonly byte[] _payload = new byte[512];
    private byte[] _eventFrame = [];
    private SubscriberTracker _tracker = null!;
    private long _counter;

    [GlobalSetup]
    public void Setup()
    {
        var n = BenchPayload.Write(_payload, 256, 123456789, 3, 0, 1);
        _eventFrame = System.Text.Encoding.UTF8.GetBytes(
            $"{{\"type\":\"event\",\"topic\":\"bench-0\",\"message\":{{\"id\":\"550e8400-e29b-41d4-a716-446655440000\",\"payload\":{System.Text.Encoding.UTF8.GetString(_payload, 0, n)}}},\"seq\":42,\"ts\":\"2025-08-25T10:00:00.123Z\"}}");
        _tracker = new SubscriberTracker(4, 1, new RunClock());
    }

    [Benchmark(Description = "BenchPayload.Write 256 B")]
    public int WritePayload() => BenchPayload.Write(_payload, 256, 123456789, 3, 0, ++_counter);

    [Benchmark(Description = "find payload in /ws event + track")]
    public bool ReadEvent()
    {
        if (!BenchPayload.TryFind(_eventFrame, out var ticks, out var publisher, out var topic, out _))
        {
            return false;
        }

        _tracker.OnEvent(ticks, publisher, topic, ++_counter);
        return true;
    }
}
