using System.Diagnostics;
using System.Net;
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

/// <param name="Index">Publisher number (0-based), written into every payload.</param>
/// <param name="Topics">Topic names by index.</param>
/// <param name="PayloadBytes">Payload size.</param>
/// <param name="Window">Acknowledgements are counted into this.</param>
/// <param name="Source">Client source address to bind, or null.</param>
internal sealed record PublisherSpec(int Index, IReadOnlyList<string> Topics, int PayloadBytes, PublishWindow Window, IPAddress? Source)
{
    /// <summary>Each publish carries a unique idempotency key (/ws only; <see cref="Cli.BenchOptions.IdempotencyKeys"/>).</summary>
    public bool IdempotencyKeys { get; init; }
}

/// <param name="Index">Subscriber number (0-based), used for its client id.</param>
/// <param name="Topics">Topic names to subscribe to.</param>
/// <param name="Source">Client source address to bind, or null.</param>
/// <param name="ReceiveBufferBytes">Receive buffer of the loop (and, when <paramref name="SmallSocketBuffer"/>, of the socket).</param>
/// <param name="SmallSocketBuffer">Shrink the kernel receive buffer, so that a stalled reader backs the server up sooner.</param>
internal sealed record SubscriberSpec(int Index, IReadOnlyList<string> Topics, IPAddress? Source, int ReceiveBufferBytes = 16 * 1024, bool SmallSocketBuffer = false);

internal interface IBenchPublisher : IAsyncDisposable
{
    /// <summary>
    /// Publishes one bench payload to topic <paramref name="topic"/>, stamped with <paramref name="sendTicks"/>
    /// (0: now). Completes when written, not when acknowledged; the acknowledgement releases the window. One caller at a time.
    /// </summary>
    ValueTask SendAsync(int topic, long counter, long sendTicks = 0);
}

internal interface IBenchSubscriber : IAsyncDisposable
{
    /// <summary>Stops reading (the socket backs up, as a stalled client's would).</summary>
    void Pause();

    /// <summary>Reads again.</summary>
    void Resume();
}

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
