using System.Text.Json;
using System.Text.RegularExpressions;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Rest;

/// <summary>docs/grafana/pubsub-dashboard.json queries only metrics that a real server's /metrics has.</summary>
[Collection(MetricsCollection.Name)]
public sealed partial class GrafanaDashboardTests
{
    [Fact]
    public async Task Every_metric_the_dashboard_queries_is_served_at_metrics()
    {
        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.RequiredRoot, "docs", "grafana", "pubsub-dashboard.json")).Within());
        var queried = Targets(dashboard.RootElement)
            .SelectMany(expr => MetricName().Matches(expr).Select(m => m.Groups["name"].Value))
            .ToHashSet(StringComparer.Ordinal);
        Assert.True(queried.Count >= 15, $"only {queried.Count} metrics queried");

        await using var server = await TestServer.StartAsync(MetricsCollection.On());
        await server.CreateTopicAsync("grafana");
        var (status, _) = await server.SendAsync(HttpMethod.Post, "/api/topics/grafana/messages/", "{\"payload\":1}");
        Assert.Equal(201, status);
        GC.Collect();
        var text = await server.Http.GetStringAsync("/metrics").Within();

        // The Redis engine's own instruments exist only on a node that runs it.
        var missing = queried.Where(name => !name.StartsWith("pubsub_redis_", StringComparison.Ordinal) && !PrometheusText.Has(text, name)).Order(StringComparer.Ordinal).ToList();
        Assert.Empty(missing);
    }

    private static IEnumerable<string> Targets(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().SelectMany(p => p.Name == "expr" && p.Value.ValueKind == JsonValueKind.String ? [p.Value.GetString()!] : Targets(p.Value)),
        JsonValueKind.Array => element.EnumerateArray().SelectMany(Targets),
        _ => [],
    };

    // A metric selector: a name directly followed by its label matchers.
    [GeneratedRegex(@"(?<name>[a-z_][a-z0-9_]*)\{")]
    private static partial Regex MetricName();
}
