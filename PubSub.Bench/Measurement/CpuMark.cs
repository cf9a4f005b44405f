using System.Diagnostics;

namespace PubSub.Bench.Measurement;

/// <summary>A CPU-time reading and the wall clock at which it was taken, to turn deltas into cores.</summary>
public readonly record struct CpuMark(TimeSpan Cpu, long Timestamp)
{
    public static CpuMark Take(ProcessSampler sampler) => new(sampler.CpuTime(), Stopwatch.GetTimestamp());

    /// <summary>CPU seconds used between <paramref name="start"/> and this mark.</summary>
    public double CpuSecondsSince(CpuMark start) => (Cpu - start.Cpu).TotalSeconds;

    /// <summary>Average cores busy between <paramref name="start"/> and this mark.</summary>
    public double CoresSince(CpuMark start)
    {
        var wall = Stopwatch.GetElapsedTime(start.Timestamp, Timestamp).TotalSeconds;
        return wall > 0 ? CpuSecondsSince(start) / wall : 0;
    }
}
