using System.Diagnostics;
using PubSub.Bench.Measurement;

namespace PubSub.Bench.Transports;

/// <summary>
/// A publisher's window of unacknowledged publishes: the send loop takes a slot per publish, each ack (or
/// error reply) gives one back. Replies arrive in request order on every transport used here.
/// </summary>
internal sealed class PublishWindow(int size, RunClock? clock = null) : IDisposable
{
    private readonly LatencyHistogram _ackLatency = new();

    private readonly SemaphoreSlim _slots = new(size, size);
    private long _acked;
    private long _errors;
    private string? _lastError;

    public int Size { get; } = size;

    public long Acked => Interlocked.Read(ref _acked);

    public long Errors => Interlocked.Read(ref _errors);

    public string? LastError => Volatile.Read(ref _lastError);

    /// <summary>Publishes sent and not yet acknowledged.</summary>
    public int InFlight => Size - _slots.CurrentCount;

    public Task WaitAsync(CancellationToken cancellationToken) => _slots.WaitAsync(cancellationToken);

    public void Ack(int count = 1)
    {
        Interlocked.Add(ref _acked, count);
        _slots.Release(count);
    }

    public void Error(string text)
    {
        Interlocked.Increment(ref _errors);
        Volatile.Write(ref _lastError, text);
        _slots.Release();
    }

    /// <summary>
    /// Send-to-ack times (µs) of publishes sent in the measured window, for publishers whose replies come in request
    /// order (/ws): a publisher records each one with <see cref="RecordAck"/>.
    /// </summary>
    public LatencyHistogram AckLatency
    {
        get
        {
            lock (_ackLatency)
            {
                var copy = new LatencyHistogram();
                copy.Add(_ackLatency);
                return copy;
            }
        }
    }

    /// <summary>Records the ack of a publish sent at <paramref name="sentAt"/> (a Stopwatch timestamp), if sent in the measured window.</summary>
    public void RecordAck(long sentAt)
    {
        var now = Stopwatch.GetTimestamp();
        if (clock is null || !clock.InWindow(sentAt))
        {
            return;
        }

        lock (_ackLatency)
        {
            _ackLatency.Record((long)Stopwatch.GetElapsedTime(sentAt, now).TotalMicroseconds);
        }
    }

    public void Dispose() => _slots.Dispose();
}
