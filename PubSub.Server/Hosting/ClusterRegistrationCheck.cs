using Microsoft.Extensions.Diagnostics.HealthChecks;
using PubSub.Core.Cluster;

namespace PubSub.Server.Hosting;

/// <summary>
/// Readiness (<c>/health/ready</c>, Redis engine): the other nodes list this one with its address. Until then a proxy
/// must not send it traffic: a connection made to it would be missing from the other nodes' lists.
/// </summary>
internal sealed class ClusterRegistrationCheck(ClusterNode cluster) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(cluster.IsRegistered
            ? HealthCheckResult.Healthy("listed in the cluster with its address")
            : HealthCheckResult.Unhealthy("not yet listed in the cluster with its address"));
}
