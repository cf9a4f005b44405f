using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using PubSub.Core.Cluster;

namespace PubSub.Server.Hosting;

/// <summary>
/// Once the server listens, tells the cluster node its first address (shown in <c>/api/nodes/</c>) unless
/// <c>PubSub:Cluster:Address</c> set one, and reports it to the cluster at once: the host's start completes, and the
/// node is ready (the readiness check <c>cluster</c>), only once the other nodes list it with its address.
/// </summary>
internal sealed class NodeAddressReporter(IServer server, ClusterNode cluster) : IHostedLifecycleService
{
    // Runs after every hosted service started, the web server included (it listens now), before ApplicationStarted.
    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        if (server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault() is { } address)
        {
            cluster.ReportListening(address);
        }

        await cluster.ReportNowAsync(cancellationToken);
    }

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
