namespace PubSub.Server.Api;

/// <summary>
/// <c>GET /health/live</c> and <c>/health/ready</c> (PROTOCOL.md §8): <c>status</c> is <c>healthy</c>, <c>degraded</c> or
/// <c>unhealthy</c> (then 503); <c>node</c> the answering node's id; one entry per check.
/// </summary>
public sealed record HealthProbeResponse(string Status, string Node, double DurationMs, List<HealthCheckBody> Checks);
