namespace PubSub.Tests.Infrastructure;

/// <summary>
/// Tests that read a server's OpenTelemetry metrics. .NET's meter listeners are process-wide: a server's MeterProvider
/// sees the <c>PubSub</c> meter of every server alive in the test process. These tests therefore run alone (not in
/// parallel with any other test class), each with metrics switched on (<see cref="On"/>); every other test server has
/// them off (see <see cref="TestServer"/>).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MetricsCollection
{
    public const string Name = "metrics (alone: meter listeners are process-wide)";

    public const string EnabledKey = "PubSub:Metrics:Enabled";

    /// <summary>Settings that switch metrics on, plus <paramref name="more"/>.</summary>
    public static Dictionary<string, string?> On(Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>(more ?? []) { [EnabledKey] = "true" };
        return settings;
    }
}
