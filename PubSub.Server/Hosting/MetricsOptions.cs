namespace PubSub.Server.Hosting;

/// <summary>Prometheus metrics, section <c>PubSub:Metrics</c>.</summary>
public sealed class MetricsOptions
{
    public const string SectionName = "PubSub:Metrics";

    /// <summary>Serve <c>GET /metrics</c> in Prometheus text format. Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// A port of its own for <c>/metrics</c>, on the same host as the first server address, open without an API key and
    /// serving nothing else; then the main address answers 404 there. Unset (default): <c>/metrics</c> is on the main
    /// address, under the same auth rules as REST (a key when <c>PubSub:Auth:Enabled</c>).
    /// </summary>
    public int? Port { get; set; }
}
