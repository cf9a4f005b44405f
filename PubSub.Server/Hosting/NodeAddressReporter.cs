using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using PubSub.Core.Cluster;

namespace PubSub.Server.Hosting;

/// <summary>Once the server listens, tells the node's identity its first address (shown in <c>/api/nodes/</c>) unless <c>PubSub:Cluster:Address</c> set one.</summary>
internal sealed class NodeAddressReporter(IServer server, IHostApplicationLifetime lifetime, NodeIdentity node) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() =>
        {
            if (server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() is { } address)
            {
                node.ReportListening(address);
            }
        });
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
