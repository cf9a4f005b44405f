using System.Globalization;
using System.Text.RegularExpressions;

namespace PubSub.Tests.Rest;

/// <summary>Reads samples out of a Prometheus text exposition: <c>name{label="v",…} value</c>.</summary>
internal static partial class PrometheusText
{
    /// <summary>The sum of the samples named <paramref name="name"/> whose labels include every one of <paramref name="labels"/> (<c>transport="ws"</c>).</summary>
    public static double Value(string text, string name, params string[] labels)
    {
        var samples = Samples(text, name).Where(s => labels.All(l => s.Labels.Contains(l, StringComparison.Ordinal))).ToList();
        Assert.True(samples.Count > 0, $"no sample {name}{{{string.Join(',', labels)}}} in {text.Length} characters:\n{string.Join('\n', text.Split('\n').Where(l => l.StartsWith("pubsub", StringComparison.Ordinal)))}\n{text[..Math.Min(text.Length, 400)]}");
        return samples.Sum(s => s.Value);
    }

    /// <summary>Like <see cref="Value"/>, but 0 when there is no such sample yet (a histogram before its first value).</summary>
    public static double ValueOrZero(string text, string name, params string[] labels) =>
        Samples(text, name).Where(s => labels.All(l => s.Labels.Contains(l, StringComparison.Ordinal))).Sum(s => s.Value);

    public static bool Has(string text, string name) => Samples(text, name).Any();

    private static IEnumerable<(string Labels, double Value)> Samples(string text, string name) =>
        text.Split('\n')
            .Select(line => Sample().Match(line))
            .Where(m => m.Success && m.Groups["name"].Value == name)
            .Select(m => (m.Groups["labels"].Value, double.Parse(m.Groups["value"].Value, NumberStyles.Float, CultureInfo.InvariantCulture)));

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)")]
    private static partial Regex Sample();
}
