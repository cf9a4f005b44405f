using PubSub.Bench.Cli;

namespace PubSub.Bench.Scenarios;

/// <summary>
/// The same fan-out twice: first without, then with <see cref="BenchOptions.Stalled"/> subscribers that read
/// through the warm-up and stop reading when the measurement starts. The second report carries the first as
/// its baseline, the server's RSS every second, and what the stalled subscribers got once they read again
/// (events, <c>SLOW_CONSUMER</c> notices, a close).
/// </summary>
internal static class SlowConsumerScenario
{
    public static async Task<BenchReport> RunAsync(BenchOptions o, TextWriter? progress, CancellationToken cancellationToken)
    {
        var stalled = Math.Max(1, o.Stalled);
        progress?.WriteLine("-- baseline: no stalled subscriber");
        var baseline = await FanoutScenario.RunAsync(o with { Stalled = 0 }, progress, cancellationToken);
        progress?.WriteLine($"-- with {stalled} stalled subscriber(s)");
        var report = await FanoutScenario.RunAsync(o with { Stalled = stalled }, progress, cancellationToken);
        report.Scenario = "slowconsumer";
        report.Baseline = baseline;
        return report;
    }
}
