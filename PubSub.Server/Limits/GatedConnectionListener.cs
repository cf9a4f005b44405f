using System.Net;
using Microsoft.AspNetCore.Connections;

namespace PubSub.Server.Limits;

/// <summary>
/// Kestrel's listener with <see cref="ConnectionGate"/>'s cap applied in its accept loop: a connection accepted while the
/// node is at the cap is closed there and then, before the next accept, instead of after its turn on the thread pool.
/// </summary>
/// <remarks>
/// In a flood the accept loop takes connections much faster than a starved thread pool runs their middleware, and each
/// one waiting for it holds a descriptor: at a low open-file limit (1024, of which the idle process holds about 345)
/// those alone reached the limit, and the runtime ends the process when it cannot open the pipe a new thread needs
/// ("Out of memory."). Refused here, a connection's descriptor is closed by its abort before another is accepted.
/// A connection counts from its accept to its close, so no more than the cap are ever open or waiting to start.
/// </remarks>
internal sealed class GatedConnectionListener(IConnectionListener inner, ConnectionGate gate) : IConnectionListener
{
    public EndPoint EndPoint => inner.EndPoint;

    public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
    {
        while (await inner.AcceptAsync(cancellationToken) is { } connection)
        {
            if (gate.TryAdmit(connection))
            {
                return connection;
            }

            _ = DisposeRefusedAsync(connection); // the socket is closed already; its loops end on their own time
        }

        return null;
    }

    public ValueTask UnbindAsync(CancellationToken cancellationToken = default) => inner.UnbindAsync(cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();

    private static async Task DisposeRefusedAsync(ConnectionContext connection)
    {
        try
        {
            await connection.DisposeAsync();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or OperationCanceledException or ConnectionAbortedException)
        {
        }
    }
}
