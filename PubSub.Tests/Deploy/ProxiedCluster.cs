using System.Net;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Deploy;

/// <summary>
/// docker-compose.yml's topology without Docker: two real nodes (<c>node1</c>, <c>node2</c>) on one real Redis, behind
/// Debian's HAProxy running <c>deploy/haproxy/haproxy.cfg</c>. Each node tags its responses with its name
/// (<see cref="NodeTag"/>). A key prefix of its own, so deployments on one Redis are separate brokers.
/// </summary>
internal sealed class ProxiedCluster : IAsyncDisposable
{
    public const string CookieName = "PUBSUB_NODE";

    private readonly Dictionary<string, TestServer> _nodes;
    private readonly List<IDisposable> _clients = [];

    private ProxiedCluster(Dictionary<string, TestServer> nodes, HaproxyProcess proxy)
    {
        _nodes = nodes;
        Proxy = proxy;
    }

    public HaproxyProcess Proxy { get; }

    public static IReadOnlyList<string> Names { get; } = ["node1", "node2"];

    /// <summary>A bound on <see cref="StartAsync"/> as a whole, above the sum of its own bounded steps' usual worst.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    public Uri BaseAddress => Proxy.BaseAddress;

    public Uri WsUri => new($"ws://{Proxy.BaseAddress.Authority}/ws");

    public static async Task<ProxiedCluster> StartAsync(RedisServer redis)
    {
        var prefix = $"deploy:{Guid.NewGuid():N}:";
        var nodes = new Dictionary<string, TestServer>();
        HaproxyProcess? proxy = null;
        try
        {
            foreach (var name in Names)
            {
                var tag = new NodeTag(name);
                var settings = Cluster.Cluster.Settings(redis, prefix, new Dictionary<string, string?>
                {
                    ["PubSub:Cluster:NodeId"] = name,
                    ["PubSub:Shutdown:FlushTimeout"] = "00:00:01",
                });
                nodes[name] = await TestServer.StartAsync(settings, services => services.AddSingleton<IStartupFilter>(tag));
            }

            // What the proxy's health check asks for (PROTOCOL.md §8): said here, where a failure is plain.
            foreach (var (name, node) in nodes)
            {
                using var live = await node.Http.GetAsync("/health/live").Within();
                Assert.True(live.StatusCode == HttpStatusCode.OK, $"{name}: GET /health/live answered {(int)live.StatusCode}");
            }

            proxy = await HaproxyProcess.StartAsync(nodes["node1"].BaseAddress, nodes["node2"].BaseAddress);

            // Servers start UP before their first check: wait for a passed check (L7OK) on each.
            await proxy.WaitForServersAsync(s => s.Count == 2 && s.Values.All(v => v is ("UP", "L7OK")), "both nodes UP after a passed check", TimeSpan.FromSeconds(30));
            return new ProxiedCluster(nodes, proxy);
        }
        catch
        {
            if (proxy is not null)
            {
                await proxy.DisposeAsync();
            }

            await Cluster.Cluster.StopAsync(nodes.Values);
            throw;
        }
    }

    public TestServer Node(string name) => _nodes[name];

    /// <summary>The node that is not <paramref name="name"/>.</summary>
    public TestServer Other(string name) => _nodes[Names.Single(n => n != name)];

    public static string OtherName(string name) => Names.Single(n => n != name);

    /// <summary>An HTTP client of the proxy: with a cookie jar (a browser), or none (a script, every request anew).</summary>
    public HttpClient Client(CookieContainer? cookies = null)
    {
        var handler = new SocketsHttpHandler { UseCookies = cookies is not null, CookieContainer = cookies ?? new CookieContainer() };
        var client = new HttpClient(handler) { BaseAddress = Proxy.BaseAddress, Timeout = Timeouts.Short };
        lock (_clients)
        {
            _clients.Add(client);
        }

        return client;
    }

    /// <summary>The node that answered, from the test-only header; fails when there is none.</summary>
    public static string AnsweredBy(HttpResponseMessage response) =>
        response.Headers.TryGetValues(NodeTag.NodeHeader, out var values) ? values.Single() : throw new Xunit.Sdk.XunitException($"no {NodeTag.NodeHeader} on {response}");

    /// <summary>The proxy's cookie in <paramref name="cookies"/>, or null.</summary>
    public string? PinnedNode(CookieContainer cookies) => cookies.GetCookies(Proxy.BaseAddress)[CookieName]?.Value;

    public async ValueTask DisposeAsync()
    {
        lock (_clients)
        {
            _clients.ForEach(c => c.Dispose());
        }

        try
        {
            await Proxy.DisposeAsync();
        }
        finally
        {
            await Cluster.Cluster.StopAsync(_nodes.Values);
        }
    }
}
