using PubSub.Bench.Cli;
using PubSub.Bench.Scenarios;

namespace PubSub.Bench;

/// <summary>Runs a scenario by name: what the command line calls, and what the test suite's smoke run calls.</summary>
internal static class BenchRunner
{
    public static Task<BenchReport> RunAsync(string scenario, BenchOptions options, TextWriter? progress, CancellationToken cancellationToken) => scenario switch
    {
        "fanout" => FanoutScenario.RunAsync(options, progress, cancellationToken),
        "connections" => ConnectionsScenario.RunAsync(options, progress, cancellationToken),
        "slowconsumer" => SlowConsumerScenario.RunAsync(options, progress, cancellationToken),
        _ => throw new ArgumentException($"unknown scenario '{scenario}': fanout, connections, slowconsumer or micro"),
    };

    /// <summary>Runs, prints the summary (stdout, or stderr with --json) and the JSON line last on stdout. Exit code 0, or 1 on failure.</summary>
    public static async Task<int> RunAndPrintAsync(string scenario, BenchOptions options, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        BenchReport report;
        try
        {
            report = await RunAsync(scenario, options, options.Progress ? stderr : null, cancellationToken);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await stderr.WriteLineAsync($"error: {scenario} failed: {ex.GetType().Name}: {ex.Message}");
            return 1;
        }

        await (options.JsonOnly ? stderr : stdout).WriteAsync(report.ToSummary());
        await stdout.WriteLineAsync(report.ToJson());
        return 0;
    }
}
