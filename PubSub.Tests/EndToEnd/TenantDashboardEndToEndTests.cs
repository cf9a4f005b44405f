using Microsoft.Playwright;
using PubSub.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;
using static PubSub.Tests.Tenants.Tenancy;
using ClusterNodes = PubSub.Tests.Cluster.Cluster;

namespace PubSub.Tests.EndToEnd;

/// <summary>
/// A tenant on node A's dashboard, in Debian Chromium, with the connections on node B (PROTOCOL.md §4): its Connections
/// page lists only connections on its topics, and the Nodes page hides the nodes' addresses; the operator sees all.
/// </summary>
public sealed class TenantDashboardEndToEndTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [SkippableFact]
    public async Task A_scoped_key_sees_only_its_tenants_connections_and_no_node_addresses()
    {
        RedisServer.SkipUnlessAvailable();
        var chromium = Requires.SkipReason("chromium", Requires.ChromiumPath);
        Skip.If(chromium is not null, chromium);
        await using var redis = await RedisServer.StartAsync();
        var nodes = await ClusterNodes.StartAsync(redis, 2, Keys(("PubSub:Cluster:ReportInterval", "00:00:00.25")));
        var (a, b) = (nodes[0], nodes[1]);
        var pages = new List<IPage>();
        try
        {
            foreach (var topic in new[] { "a1", "b1" })
            {
                Assert.Equal(201, (await a.SendAsync(HttpMethod.Post, "/topics", $$"""{"name":"{{topic}}"}""", Admin)).Status);
            }

            await using var alphaSub = await ConnectAsync(b, Alpha, "alpha-agent");
            await alphaSub.SubscribeAsync("a1");
            await using var betaSub = await ConnectAsync(b, Beta, "beta-agent");
            await betaSub.SubscribeAsync("b1");
            await using var betaIdle = await ConnectAsync(b, Beta, "beta-idle-agent");
            await Waits.UntilAsync(() => ListAllAsync(a, Admin).GetAwaiter().GetResult().Count(c => Agent(c)?.EndsWith("-agent", StringComparison.Ordinal) == true) == 3);

            var alpha = await SignInAsync(a, Alpha, "alpha", pages);
            await alpha.GotoAsync(new Uri(a.BaseAddress, "/cluster/connections").ToString()).Within();
            await Expect(alpha.GetByRole(AriaRole.Heading, new() { Name = "Connections", Level = 1 })).ToBeVisibleAsync();
            await Expect(alpha.GetByText("alpha-agent")).ToBeVisibleAsync();
            await Expect(alpha.Locator("[data-connection]")).ToHaveCountAsync(1);
            Assert.DoesNotContain("beta", await alpha.Locator("body").InnerTextAsync());

            await alpha.GotoAsync(new Uri(a.BaseAddress, "/cluster/nodes").ToString()).Within();
            await Expect(alpha.Locator("[data-node]")).ToHaveCountAsync(2);
            await Expect(alpha.GetByText("hidden (needs read on every topic)")).ToHaveCountAsync(2);
            Assert.DoesNotContain(b.BaseAddress.Authority, await alpha.Locator("body").InnerTextAsync());

            // The operator's page lists every one of them, the idle one included, and the addresses.
            var admin = await SignInAsync(a, Admin, "admin", pages);
            await admin.GotoAsync(new Uri(a.BaseAddress, "/cluster/connections").ToString()).Within();
            await Expect(admin.GetByText("beta-idle-agent")).ToBeVisibleAsync();
            await Expect(admin.GetByText("alpha-agent")).ToBeVisibleAsync();
            await Expect(admin.GetByText("beta-agent", new() { Exact = true })).ToBeVisibleAsync();
            await admin.GotoAsync(new Uri(a.BaseAddress, "/cluster/nodes").ToString()).Within();
            await Expect(admin.GetByText(b.BaseAddress.ToString().TrimEnd('/'), new() { Exact = false })).ToBeVisibleAsync();
        }
        finally
        {
            foreach (var page in pages)
            {
                await page.Context.CloseAsync().Within();
            }

            await ClusterNodes.StopAsync(nodes);
        }
    }

    private async Task<IPage> SignInAsync(TestServer server, string key, string name, List<IPage> pages)
    {
        var page = await browser.NewPageAsync();
        pages.Add(page);
        await page.GotoAsync(new Uri(server.BaseAddress, "/signin").ToString()).Within();
        await page.GetByLabel("API key").FillAsync(key);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(page.GetByLabel("Signed in as")).ToHaveTextAsync(name);
        return page;
    }
}
