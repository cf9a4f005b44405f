using BenchmarkDotNet.Running;
using PubSub.Bench;
using PubSub.Bench.Cli;

if (args.Length > 0 && args[0] == "micro")
{
    // Everything after "micro" goes to BenchmarkDotNet (e.g. --filter '*Publish*' --job short).
    BenchmarkSwitcher.FromAssembly(typeof(BenchRunner).Assembly).Run(args[1..]);
    return 0;
}

if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
{
    Console.WriteLine(BenchArgs.Usage);
    return args.Length == 0 ? 2 : 0;
}

string scenario;
BenchOptions options;
try
{
    (scenario, options) = BenchArgs.Parse(args);
}
catch (Exception ex) when (ex is ArgumentException or FormatException or UriFormatException)
{
    Console.Error.WriteLine($"error: {ex.Message}");
    Console.Error.WriteLine("run with --help for the options");
    return 2;
}

using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
};

return await BenchRunner.RunAndPrintAsync(scenario, options, Console.Out, Console.Error, cts.Token);
