using Microsoft.Extensions.Hosting;
using PubSub.Core.Cluster;

namespace PubSub.Core.Hosting;

/// <summary>For the life of the host: answers the other nodes' requests and reports this node's figures; leaves the cluster on stop.</summary>
internal sealed class ClusterReporter(ClusterRequestServer server, ClusterReportLoop loop) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        server.Start();
        return loop.RunAsync(stoppingToken);
    }
}
