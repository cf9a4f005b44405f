using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PubSub.Tests.Infrastructure;

/// <summary>
/// A TCP proxy in the test process between a node and redis-server that can stop forwarding the Redis pub/sub
/// connections it carries without closing them: the wedged link of a proxy or network path that stops delivering. It
/// tells a subscription connection by the <c>SUBSCRIBE</c> command in what the client sends; connections made after
/// <see cref="WedgeSubscriptions"/> are forwarded as usual.
/// </summary>
internal sealed class StallingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Link> _links = [];
    private readonly Task _accepting;

    public StallingProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>Stops forwarding, both ways, every subscription connection open now; returns how many there were.</summary>
    public int WedgeSubscriptions()
    {
        lock (_links)
        {
            var wedged = 0;
            foreach (var link in _links.Where(l => l.IsSubscription))
            {
                link.Wedged = true;
                wedged++;
            }

            return wedged;
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var upstream = new TcpClient();
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, _upstreamPort, _stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
                client.Dispose();
                upstream.Dispose();
                continue;
            }

            var link = new Link(client, upstream);
            lock (_links)
            {
                _links.Add(link);
            }

            _ = PumpAsync(link, client.GetStream(), upstream.GetStream(), sniff: true);
            _ = PumpAsync(link, upstream.GetStream(), client.GetStream(), sniff: false);
        }
    }

    private async Task PumpAsync(Link link, NetworkStream from, NetworkStream to, bool sniff)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (true)
            {
                var n = await from.ReadAsync(buffer, _stop.Token);
                if (n == 0)
                {
                    break;
                }

                if (sniff && !link.IsSubscription && Encoding.ASCII.GetString(buffer, 0, n).Contains("SUBSCRIBE", StringComparison.OrdinalIgnoreCase))
                {
                    link.IsSubscription = true;
                }

                if (link.Wedged)
                {
                    // Open, silent, for ever: neither these bytes nor any later ones go through, and no close either.
                    await Task.Delay(Timeout.Infinite, _stop.Token);
                }

                await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }

        if (!link.Wedged)
        {
            link.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _accepting.WaitAsync(TimeSpan.FromSeconds(5));
        lock (_links)
        {
            foreach (var link in _links)
            {
                link.Close();
            }
        }

        _stop.Dispose();
    }

    private sealed class Link(TcpClient client, TcpClient upstream)
    {
        public volatile bool IsSubscription;
        public volatile bool Wedged;

        public void Close()
        {
            client.Dispose();
            upstream.Dispose();
        }
    }
}
