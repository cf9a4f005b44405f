namespace PubSub.Bench.Measurement;

/// <summary>When figures count: deliveries received inside [<see cref="MeasureFrom"/>, <see cref="MeasureTo"/>) (Stopwatch ticks).</summary>
internal sealed class RunClock
{
    private long _from = long.MaxValue;
    private long _to = long.MaxValue;

    public long MeasureFrom => Volatile.Read(ref _from);

    public long MeasureTo => Volatile.Read(ref _to);

    public void StartMeasuring(long now) => Volatile.Write(ref _from, now);

    public void StopMeasuring(long now) => Volatile.Write(ref _to, now);

    public bool InWindow(long now) => now >= Volatile.Read(ref _from) && now < Volatile.Read(ref _to);
}
