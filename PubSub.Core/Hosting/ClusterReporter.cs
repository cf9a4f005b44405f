using Microsoft.Extensions.Hosting;
using PubSub.Core.Cluster;

namespace PubSub.Core.Hosting;

/// <summary>Joins the cluster on start, then runs this node's cluster reporting (<see cref="ClusterNode"/>) for the life of the host; leaves the cluster on stop.</summary>
internal sealed class ClusterReporter(ClusterNode node) : BackgroundService
{
    // Hosted services start before the server listens: the node is registered before it can take a request.
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await node.JoinAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => node.RunAsync(stoppingToken);
}
