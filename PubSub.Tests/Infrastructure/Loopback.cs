using System.Net;
using System.Net.Sockets;

namespace PubSub.Tests.Infrastructure;

/// <summary>Listening on the loopback interface, on a port the system picks.</summary>
public static class Loopback
{
    /// <summary>A started listener on a free loopback port, and that port.</summary>
    public static TcpListener Listen(out int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        port = ((IPEndPoint)listener.LocalEndpoint).Port;
        return listener;
    }
}
