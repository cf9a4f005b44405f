using System.Diagnostics;

namespace PubSub.Bench.Measurement;

/// <summary>
/// One subscriber's view of the run: per (publisher, topic) stream the highest counter seen, from which lost,
/// duplicated and out-of-order deliveries follow, and a latency histogram of the measured window. One writer
/// (the connection's receive loop); other threads only read the counters for progress, where a stale value is fine.
/// </summary>
internal sealed class SubscriberTracker(int publishers, int topics, RunClock clock) : IEventSink
{
    private readonly long[] _highest = new long[publishers * topics];
    private long _received;
    private long _measured;

    public LatencyHistogram Latency { get; } = new();

    /// <summary>Events received, duplicates included.</summary>
    public long Received => Volatile.Read(ref _received);

    /// <summary>Events received inside the measured window.</summary>
    public long Measured => Volatile.Read(ref _measured);

    /// <summary>Events whose counter was not above the stream's highest and that no earlier gap accounts for.</summary>
    public long Duplicated { get; private set; }

    /// <summary>Events that arrived after a later event of the same stream.</summary>
    public long OutOfOrder { get; private set; }

    /// <summary>Counters skipped so far and not filled in later (a lower bound on loss while the run goes on).</summary>
    public long Missing { get; private set; }

    public long Malformed { get; private set; }

    public long SlowConsumerNotices { get; private set; }

    public string? LastError { get; private set; }

    public string? ClosedReason { get; private set; }

    /// <summary>Events received from the first one after <see cref="MarkPaused"/> on (what a stalled subscriber got after resuming).</summary>
    public long ReceivedAtPause { get; private set; } = -1;

    public void MarkPaused() => ReceivedAtPause = Received;

    public void OnEvent(long sendTicks, int publisher, int topic, long counter)
    {
        var now = Stopwatch.GetTimestamp();
        Volatile.Write(ref _received, _received + 1);
        if (now >= clock.MeasureFrom && now < clock.MeasureTo)
        {
            Volatile.Write(ref _measured, _measured + 1);
            Latency.Record((long)((now - sendTicks) * 1_000_000.0 / Stopwatch.Frequency));
        }

        var index = (topic * publishers) + publisher;
        if ((uint)index >= (uint)_highest.Length)
        {
            Malformed++;
            return;
        }

        ref var highest = ref _highest[index];
        if (counter == highest + 1)
        {
            highest = counter;
        }
        else if (counter > highest)
        {
            Missing += counter - highest - 1;
            highest = counter;
        }
        else if (counter < highest && Missing > 0)
        {
            OutOfOrder++;
            Missing--;
        }
        else
        {
            Duplicated++;
        }
    }

    public void OnMalformed() => Malformed++;

    public void OnError(string code, string text)
    {
        if (code == "SLOW_CONSUMER")
        {
            SlowConsumerNotices++;
        }

        LastError = text;
    }

    public void OnClosed(string reason) => ClosedReason = reason;

    /// <summary>Distinct events received (duplicates taken out).</summary>
    public long Unique => Received - Duplicated - Malformed;
}
