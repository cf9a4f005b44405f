using System.Net;
using Microsoft.AspNetCore.Connections;

namespace PubSub.Server.Limits;

/// <summary>Kestrel's socket transport, each of its listeners wrapped in a <see cref="GatedConnectionListener"/>.</summary>
internal sealed class GatedConnectionListenerFactory(IConnectionListenerFactory inner, ConnectionGate gate) : IConnectionListenerFactory, IConnectionListenerFactorySelector
{
    public async ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default) =>
        new GatedConnectionListener(await inner.BindAsync(endpoint, cancellationToken), gate);

    public bool CanBind(EndPoint endpoint) => inner is not IConnectionListenerFactorySelector selector || selector.CanBind(endpoint);
}
