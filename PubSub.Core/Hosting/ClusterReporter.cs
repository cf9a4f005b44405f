using Microsoft.Extensions.Hosting;
using PubSub.Core.Cluster;

namespace PubSub.Core.Hosting;

/// <summary>Runs this node's cluster reporting (<see cref="ClusterNode"/>) for the life of the host; leaves the cluster on stop.</summary>
internal sealed class ClusterReporter(ClusterNode node) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => node.RunAsync(stoppingToken);
}
