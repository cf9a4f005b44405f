using System.Net.WebSockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using PubSub.Core.Cluster;
using PubSub.Tests.Hub;
using PubSub.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;
using ClusterNodes = PubSub.Tests.Cluster.Cluster;
using ClusterTests = PubSub.Tests.Cluster.ClusterTests;

namespace PubSub.Tests.EndToEnd;

/// <summary>
/// The dashboard of node A in Debian Chromium, with node B beside it on one real redis-server (PROTOCOL.md §8): topics
/// made on B show on A, A's Nodes page follows B coming and going, A's Connections page closes B's clients, and A's
/// circuit lives through a Redis outage. Each test has its own redis-server (one kills it) and two nodes reporting
/// fast. Skipped without redis-server or chromium on a developer machine; under CI=true they fail instead.
/// </summary>
public sealed class ClusterDashboardEndToEndTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly TimeSpan NodeTimeout = TimeSpan.FromSeconds(2);

    private static readonly Dictionary<string, string?> FastReports = new()
    {
        ["PubSub:Cluster:ReportInterval"] = "00:00:00.25",
        ["PubSub:Cluster:NodeTimeout"] = "00:00:02",
    };

    [SkippableFact]
    public async Task Topics_created_and_deleted_on_B_come_and_go_on_As_dashboard_without_a_reload()
    {
        SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync();
        await using var nodes = await TwoNodesAsync(redis);
        var (a, b) = (nodes.A, nodes.B);

        var dashboard = await OpenAsync(nodes, a, "/");
        await Expect(dashboard.GetByText("No topics yet", new() { Exact = false })).ToBeVisibleAsync();
        await Expect(dashboard.Locator("[data-stat='Nodes']")).ToHaveTextAsync("2");

        await b.CreateTopicAsync("made-on-b");
        await Expect(dashboard.GetByRole(AriaRole.Button, new() { Name = "Show topic made-on-b", Exact = true })).ToBeVisibleAsync();
        await Expect(dashboard.Locator("[data-stat='Topics']")).ToHaveTextAsync("1");

        Assert.Equal(200, (await b.SendAsync(HttpMethod.Delete, "/api/topics/made-on-b/")).Status);
        await Expect(dashboard.GetByRole(AriaRole.Button, new() { Name = "Show topic made-on-b", Exact = true })).ToHaveCountAsync(0);
        await Expect(dashboard.Locator("[data-stat='Topics']")).ToHaveTextAsync("0");
        await Expect(dashboard.Locator("#blazor-error-ui")).ToBeHiddenAsync();

        // The Nodes card leads to the Nodes page.
        await dashboard.Locator(".stat-link", new() { HasText = "Nodes" }).ClickAsync();
        await Expect(dashboard.GetByRole(AriaRole.Heading, new() { Name = "Nodes", Exact = true, Level = 1 })).ToBeVisibleAsync();
        await Expect(dashboard.Locator("[data-node]")).ToHaveCountAsync(2);
    }

    [SkippableFact]
    public async Task As_nodes_page_shows_both_nodes_and_B_drops_out_once_stopped()
    {
        SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync();
        await using var nodes = await TwoNodesAsync(redis);
        var (idA, idB) = (nodes.A.Services.GetRequiredService<ClusterNode>().Id, nodes.B.Services.GetRequiredService<ClusterNode>().Id);
        await using var ws = await nodes.B.ConnectAsync();

        var page = await OpenAsync(nodes, nodes.A, "/cluster/nodes");
        var rowA = page.Locator("tr", new() { Has = page.Locator($"[data-node='{idA}']") });
        var rowB = page.Locator("tr", new() { Has = page.Locator($"[data-node='{idB}']") });
        await Expect(rowA).ToContainTextAsync("this node");
        await Expect(rowB).ToBeVisibleAsync();
        await Expect(rowB).Not.ToContainTextAsync("this node");
        await Expect(rowB.Locator("td[data-label='Connections']")).ToHaveTextAsync("1");
        await Expect(rowB.Locator("td[data-label='Address']")).ToHaveTextAsync(nodes.B.BaseAddress.ToString().TrimEnd('/'));
        await Expect(rowB.Locator("td[data-label='Last seen']")).ToHaveTextAsync(new System.Text.RegularExpressions.Regex(@"^\d s ago$"));
        await Expect(page.GetByRole(AriaRole.Note)).ToContainTextAsync("drops out after 2 s");
        await ScreenshotAsync(page, "nodes.png");

        await ws.DisposeAsync();
        await nodes.StopBAsync();

        // Well within the node timeout (a clean stop leaves at once; a lost node ages out after NodeTimeout).
        await Expect(rowB).ToHaveCountAsync(0, new() { Timeout = (float)(NodeTimeout + TimeSpan.FromSeconds(4)).TotalMilliseconds });
        await Expect(rowA).ToBeVisibleAsync();
        await Expect(page.Locator("[data-node]")).ToHaveCountAsync(1);
    }

    [SkippableFact]
    public async Task As_connections_page_closes_a_ws_client_and_a_hub_client_on_B()
    {
        SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync();
        await using var nodes = await TwoNodesAsync(redis);
        var (a, b) = (nodes.A, nodes.B);
        var idB = b.Services.GetRequiredService<ClusterNode>().Id;
        await b.CreateTopicAsync("orders");
        await using var ws = await b.ConnectAsync(o => o.SetRequestHeader("User-Agent", "e2e-ws-client"));
        await ws.SubscribeAsync("orders");
        await using var hub = await HubTestClient.ConnectAsync(b, HubProtocolKind.Json);
        await hub.SubscribeAsync("orders");
        var wsId = b.Broker.Connections.Single(c => c.Transport == "ws").Id;
        var hubId = b.Broker.Connections.Single(c => c.Transport == "signalr").Id;

        var page = await OpenAsync(nodes, a, "/cluster/connections");
        await Expect(page.Locator($"[data-connection='{wsId}']")).ToBeVisibleAsync();
        await Expect(page.Locator($"[data-connection='{hubId}']")).ToBeVisibleAsync();
        var wsRow = page.Locator("tr", new() { Has = page.Locator($"[data-connection='{wsId}']") });
        await Expect(wsRow).ToContainTextAsync("e2e-ws-client");
        await Expect(wsRow).ToContainTextAsync("orders");
        await Expect(wsRow.Locator("td[data-label='Node']")).ToHaveTextAsync(idB);
        await Expect(page.GetByRole(AriaRole.Note)).ToContainTextAsync("every 2 s");

        await page.GetByLabel("Filter", new() { Exact = true }).FillAsync("signalr");
        await Expect(page.Locator("[data-connection]")).ToHaveCountAsync(1);
        await page.GetByLabel("Filter", new() { Exact = true }).FillAsync(idB);
        await Expect(page.Locator("[data-connection]")).ToHaveCountAsync(2);
        await ScreenshotAsync(page, "connections.png");

        // The raw /ws client: the reason, then close 1008.
        await DisconnectAsync(page, wsId, "e2e: maintenance");
        var (status, frames) = await ws.ReadUntilCloseAsync(Timeouts.Short);
        Assert.Equal(WebSocketCloseStatus.PolicyViolation, status);
        var info = frames[^1];
        Assert.Equal("info", info.GetProperty("type").GetString());
        Assert.Equal("disconnected", info.GetProperty("msg").GetString());
        Assert.Equal("e2e: maintenance", info.GetProperty("reason").GetString());

        // The SignalR hub client: an Info, then its connection closes.
        await DisconnectAsync(page, hubId, "e2e: hub maintenance");
        var hubInfo = await hub.ExpectAsync("Info");
        Assert.Equal("disconnected", hubInfo.GetProperty("msg").GetString());
        Assert.Equal("e2e: hub maintenance", hubInfo.GetProperty("reason").GetString());
        await hub.Closed.Within();

        // Both gone from the list (its next read, or Refresh).
        await page.GetByRole(AriaRole.Button, new() { Name = "Refresh", Exact = true }).ClickAsync();
        await Expect(page.Locator("[data-connection]")).ToHaveCountAsync(0);

        // Closing one that is gone says so.
        Assert.Equal(404, (await a.SendAsync(HttpMethod.Delete, $"/api/connections/{wsId}/")).Status);
        await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
    }

    [SkippableFact]
    public async Task As_dashboard_keeps_working_through_a_Redis_outage_and_catches_up_after()
    {
        SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync(persistent: true);
        await using var nodes = await TwoNodesAsync(redis);
        var (a, b) = (nodes.A, nodes.B);
        await b.CreateTopicAsync("before");
        var dashboard = await OpenAsync(nodes, a, "/");
        await Expect(dashboard.GetByRole(AriaRole.Button, new() { Name = "Show topic before", Exact = true })).ToBeVisibleAsync();
        var uptime = dashboard.Locator("[data-stat='Uptime']");
        var idB = b.Services.GetRequiredService<ClusterNode>().Id;
        var nodesPage = await OpenAsync(nodes, a, "/cluster/nodes");
        var rowB = nodesPage.Locator($"[data-node='{idB}']");
        await Expect(rowB).ToBeVisibleAsync();
        var connectionsPage = await OpenAsync(nodes, a, "/cluster/connections");
        var lastRead = connectionsPage.GetByRole(AriaRole.Note);
        await Expect(lastRead).ToContainTextAsync("last read");

        await redis.KillAsync();

        // The page still ticks: the uptime moves on, the topic list is the last one read.
        var during = await uptime.TextContentAsync().Within();
        await Expect(uptime).Not.ToHaveTextAsync(during!);
        await Expect(dashboard.GetByRole(AriaRole.Button, new() { Name = "Show topic before", Exact = true })).ToBeVisibleAsync();

        // Creating a topic says why it cannot, in the form; the circuit goes on.
        await dashboard.GetByLabel("Topic name", new() { Exact = true }).FillAsync("during-outage");
        await dashboard.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        await Expect(dashboard.GetByRole(AriaRole.Form, new() { Name = "Create a topic" })).ToContainTextAsync($"Redis at {redis.Configuration}");
        await Expect(dashboard.Locator("#blazor-error-ui")).ToBeHiddenAsync();
        var later = await uptime.TextContentAsync().Within();
        await Expect(uptime).Not.ToHaveTextAsync(later!);

        // A hears nothing from B: B ages out of A's node list after the node timeout (nobody told A it left).
        await Expect(rowB).ToHaveCountAsync(0, new() { Timeout = (float)(NodeTimeout + TimeSpan.FromSeconds(4)).TotalMilliseconds });
        await Expect(dashboard.Locator("[data-stat='Nodes']")).ToHaveTextAsync("1");

        // The connections page goes on reading (this node's own list at least) on its timer.
        var readBefore = await lastRead.TextContentAsync().Within();
        await Expect(lastRead).Not.ToHaveTextAsync(readBefore!);
        foreach (var page in new[] { dashboard, nodesPage, connectionsPage })
        {
            await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
        }

        await redis.RestartAsync();

        // B takes a create again once its client has reconnected (503 until then), and A shows the topic.
        await CreateOnceRedisIsBackAsync(b, "after");
        await Expect(dashboard.GetByRole(AriaRole.Button, new() { Name = "Show topic after", Exact = true })).ToBeVisibleAsync(new() { Timeout = (float)Timeouts.Long.TotalMilliseconds });
        await Expect(dashboard.GetByRole(AriaRole.Button, new() { Name = "Show topic before", Exact = true })).ToBeVisibleAsync();
        await Expect(dashboard.Locator("[data-stat='Nodes']")).ToHaveTextAsync("2", new() { Timeout = (float)Timeouts.Long.TotalMilliseconds });
        await Expect(rowB).ToBeVisibleAsync();
        foreach (var page in new[] { dashboard, nodesPage, connectionsPage })
        {
            await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();
        }
    }

    [SkippableFact]
    public async Task The_cluster_pages_fit_a_390px_phone_without_sideways_scrolling()
    {
        SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync();
        await using var nodes = await TwoNodesAsync(redis);
        await nodes.B.CreateTopicAsync("sensors.kitchen.temperature");
        await using var ws = await nodes.B.ConnectAsync();
        await ws.SubscribeAsync("sensors.kitchen.temperature");

        foreach (var (path, rows) in new[] { ("/cluster/nodes", "[data-node]"), ("/cluster/connections", "[data-connection]") })
        {
            var page = await OpenAsync(nodes, nodes.A, path, width: 390, height: 844);
            await Expect(page.Locator(rows).First).ToBeVisibleAsync();
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth").Within();
            Assert.True(overflow <= 0, $"{path} is {overflow}px wider than a 390px screen");
        }
    }

    private static void SkipUnlessAvailable()
    {
        RedisServer.SkipUnlessAvailable();
        var chromium = Requires.SkipReason("chromium", Requires.ChromiumPath);
        Skip.If(chromium is not null, chromium);
    }

    private static async Task<TwoNodes> TwoNodesAsync(RedisServer redis)
    {
        var servers = await ClusterNodes.StartAsync(redis, 2, FastReports);
        var nodes = new TwoNodes(servers[0], servers[1]);

        // Each has heard of the other before a page is opened.
        await ClusterTests.WaitUntilAsync(
            () => servers.All(s => s.Services.GetRequiredService<ClusterNode>().Nodes.Count == 2), "both nodes know of each other");
        return nodes;
    }

    private async Task<IPage> OpenAsync(TwoNodes nodes, TestServer server, string path, int width = 1280, int height = 900)
    {
        var page = await browser.NewPageAsync(width, height);
        nodes.Pages.Add(page);
        await page.GotoAsync(new Uri(server.BaseAddress, path).ToString()).Within();

        // Pages render only once their circuit is up (no prerendering): a level-1 heading means controls work.
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();
        return page;
    }

    private static async Task ScreenshotAsync(IPage page, string file) =>
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots.Directory, file), FullPage = true, Timeout = BrowserFixture.TimeoutMs }).Within();

    private static async Task DisconnectAsync(IPage page, string id, string reason)
    {
        await page.GetByRole(AriaRole.Button, new() { Name = $"Disconnect {id}", Exact = true }).ClickAsync();
        var dialog = page.GetByRole(AriaRole.Alertdialog, new() { Name = $"Confirm disconnecting {id}" });
        await dialog.GetByLabel("Reason", new() { Exact = true }).FillAsync(reason);
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Disconnect", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Status, new() { Name = "Disconnect outcome" })).ToHaveTextAsync($"Disconnected {id}.");
    }

    private static async Task CreateOnceRedisIsBackAsync(TestServer server, string topic)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var (status, body) = await server.SendAsync(HttpMethod.Post, "/api/topics/create/", $"{{\"name\":\"{topic}\"}}");

            // 409: an earlier try was carried out although its answer was lost ("may or may not have been carried out").
            if (status is 201 or 409)
            {
                return;
            }

            Assert.True(status == 503, $"unexpected {status}: {body}");
            if (clock.Elapsed > Timeouts.Long)
            {
                throw new Xunit.Sdk.XunitException($"node B did not take a create within {Timeouts.Long} of Redis coming back: {body}");
            }

            await Task.Delay(100); // polling a reconnect that raises no event here, bounded by the deadline above
        }
    }

    /// <summary>Nodes A and B; B may be stopped early.</summary>
    private sealed class TwoNodes(TestServer a, TestServer b) : IAsyncDisposable
    {
        private bool _bStopped;

        public TestServer A { get; } = a;

        public TestServer B { get; } = b;

        /// <summary>Browser pages open on the nodes: closed first, so that no circuit outlives its server.</summary>
        public List<IPage> Pages { get; } = [];

        public async Task StopBAsync()
        {
            _bStopped = true;
            await B.DisposeAsync();
        }

        public async ValueTask DisposeAsync() => await Cleanup.RunAsync(
            [
                .. Pages.Select(page => (Func<Task>)(() => page.Context.CloseAsync().Within())),
                () => ClusterNodes.StopAsync(_bStopped ? [A] : [A, B]),
            ]);
    }
}
