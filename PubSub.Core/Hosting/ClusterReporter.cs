using Microsoft.Extensions.Hosting;
using PubSub.Core.Cluster;

namespace PubSub.Core.Hosting;

/// <summary>
/// Joins the cluster on start (answering the other nodes' requests, then a first report), then reports this node's
/// figures for the life of the host; leaves the cluster on stop.
/// </summary>
internal sealed class ClusterReporter(ClusterRequestServer server, ClusterReportLoop loop) : BackgroundService
{
    // Hosted services start before the server listens: the node is registered before it can take a request.
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        server.Start();
        await loop.JoinAsync(cancellationToken);
        await base.StartAsync(cancellationToken);
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => loop.RunAsync(stoppingToken);
}
