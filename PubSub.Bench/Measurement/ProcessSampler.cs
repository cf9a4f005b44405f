using System.Diagnostics;
using System.Globalization;

namespace PubSub.Bench.Measurement;

/// <summary>
/// CPU time and resident memory of a process, read from <c>/proc</c> (Linux); of this process when no pid is given;
/// summed over <paramref name="more"/> processes too (the nodes of a scale-out broker).
/// </summary>
public sealed class ProcessSampler(int? pid, IReadOnlyList<int>? more = null)
{
    private readonly ProcessSampler[] _more = (more ?? []).Select(p => new ProcessSampler(p)).ToArray();

    private static readonly double TicksPerSecond = 100.0; // USER_HZ: 100 on every Linux that .NET supports

    /// <summary>The pid sampled, or null for this process.</summary>
    public int? Pid { get; } = pid;

    /// <summary>True when the figures can be read (Linux with /proc, and the process exists).</summary>
    public bool Available => Pid is null || File.Exists($"/proc/{Pid}/stat");

    /// <summary>User + system CPU time so far.</summary>
    public TimeSpan CpuTime() => _more.Aggregate(OwnCpuTime(), (sum, m) => sum + m.OwnCpuTime());

    /// <summary>Resident set size (VmRSS) in bytes; 0 when it cannot be read.</summary>
    public long RssBytes() => _more.Sum(m => m.OwnRssBytes()) + OwnRssBytes();

    private TimeSpan OwnCpuTime()
    {
        if (Pid is not { } pid)
        {
            using var self = Process.GetCurrentProcess();
            return self.TotalProcessorTime;
        }

        // Fields after the command name (which may hold spaces, so split after its closing ')'): state is
        // field 3; utime and stime are fields 14 and 15.
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return TimeSpan.FromSeconds(ticks / TicksPerSecond);
    }

    private long OwnRssBytes()
    {
        var path = Pid is { } pid ? $"/proc/{pid}/status" : "/proc/self/status";
        try
        {
            foreach (var line in File.ReadLines(path))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                    return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }
}
