using System.Net;
using System.Net.Sockets;
using System.Text;

namespace PubSub.Tests.Infrastructure;

/// <summary>
/// A TCP proxy in the test process in front of a server (redis-server for a node, or a node for a client) that can stop
/// forwarding the connections it carries without closing them: the wedged link of a proxy or network path that stops
/// delivering (<see cref="WedgeSubscriptions"/>: the Redis pub/sub connections, told by the <c>SUBSCRIBE</c> command in
/// what the client sends; <see cref="WedgeAll"/>: every one). Connections made after a wedge are forwarded as usual. It
/// can also move to another server (<see cref="Retarget"/>), as a virtual address or a DNS name does when a replica is
/// promoted, cut a link right after the client's next bytes went through (<see cref="CutAfterNextClientBytes"/>), and
/// hold its door shut (<see cref="Hold"/>).
/// </summary>
internal sealed class StallingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private volatile int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Link> _links = [];
    private readonly Task _accepting;
    private volatile bool _cutArmed;
    private int _accepted;

    public StallingProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    public int Port { get; }

    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>The proxy as an HTTP base address (in front of a node).</summary>
    public Uri BaseAddress => new($"http://127.0.0.1:{Port}/");

    /// <summary>While true, a new connection is closed as soon as it is accepted.</summary>
    public bool Hold { get; set; }

    /// <summary>Connections accepted and forwarded so far.</summary>
    public int Accepted => Volatile.Read(ref _accepted);

    /// <summary>Every link open now stops forwarding, both ways, without closing: the peer hears nothing, ever.</summary>
    public void WedgeAll()
    {
        lock (_links)
        {
            _links.ForEach(l => l.Wedged = true);
        }
    }

    /// <summary>
    /// The next bytes a client sends on any link are forwarded, then that link is cut: the server gets the request and then
    /// the end of the stream, the client never its answer.
    /// </summary>
    public void CutAfterNextClientBytes() => _cutArmed = true;

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

    /// <summary>Closes every connection and sends new ones to <paramref name="upstreamPort"/> (a failover behind one address).</summary>
    public void Retarget(int upstreamPort)
    {
        lock (_links)
        {
            _upstreamPort = upstreamPort; // under the lock: an accept compares the port it connected to before it adds its link
            foreach (var link in _links)
            {
                link.Close();
            }

            _links.Clear();
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

            if (Hold)
            {
                client.Client.Close(0);
                continue;
            }

            var upstream = new TcpClient();
            var port = _upstreamPort;
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, port, _stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
                client.Dispose();
                upstream.Dispose();
                continue;
            }

            // Both streams are taken before anything can close the link: once listed, a Retarget on the test's thread may,
            // and so may the first pump, when the client is gone already (the pumps then end on their first read).
            var (fromClient, fromUpstream) = (client.GetStream(), upstream.GetStream());
            var link = new Link(client, upstream);
            lock (_links)
            {
                if (port != _upstreamPort)
                {
                    link.Close(); // retargeted while it connected: it would stay on the old server
                    continue;
                }

                _links.Add(link);
            }

            Interlocked.Increment(ref _accepted);
            _ = PumpAsync(link, fromClient, fromUpstream, sniff: true);
            _ = PumpAsync(link, fromUpstream, fromClient, sniff: false);
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

                // Armed: this link is severed before the bytes go through, so that no answer to them (which can come back
                // before the cut below) is forwarded to the client.
                var cutting = sniff && _cutArmed;
                if (cutting)
                {
                    _cutArmed = false;
                    link.Severed = true;
                }
                else if (link.Severed)
                {
                    break;
                }

                await to.WriteAsync(buffer.AsMemory(0, n), _stop.Token);
                if (cutting)
                {
                    link.Cut();
                    return;
                }
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

    /// <summary>Stops accepting and closes every link; rethrows what ended the accept loop, or a timeout if it did not end (after closing the links all the same).</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stop.CancelAsync().Within();
            _listener.Stop();
            await _accepting.WaitAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            lock (_links)
            {
                foreach (var link in _links)
                {
                    link.Close();
                }
            }

            _stop.Dispose();
        }
    }

    private sealed class Link(TcpClient client, TcpClient upstream)
    {
        public volatile bool IsSubscription;
        public volatile bool Wedged;

        /// <summary>Being cut: nothing more goes through either way.</summary>
        public volatile bool Severed;

        /// <summary>The server gets what was sent and then the end of the stream (not a reset, which could discard it); the client loses the link at once.</summary>
        public void Cut()
        {
            try
            {
                upstream.Client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }

            client.Client.Close(0);
        }

        public void Close()
        {
            client.Dispose();
            upstream.Dispose();
        }
    }
}
