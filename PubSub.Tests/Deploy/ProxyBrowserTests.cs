using Microsoft.Playwright;
using PubSub.Tests.EndToEnd;
using PubSub.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace PubSub.Tests.Deploy;

/// <summary>
/// The dashboard in Debian Chromium through the compose topology's proxy (<see cref="ProxiedCluster"/>): Blazor
/// Server's prerendered page, then its circuit (negotiate and a WebSocket on <c>/_blazor</c>), must reach one node.
/// </summary>
public sealed class ProxyBrowserTests(BrowserFixture browser, RedisFixture redis) : IClassFixture<BrowserFixture>, IClassFixture<RedisFixture>
{
    [SkippableFact]
    public async Task The_dashboard_through_the_proxy_is_live_and_shows_a_topic_created_on_the_other_node()
    {
        var noChromium = Requires.SkipReason("chromium", Requires.ChromiumPath);
        Skip.If(noChromium is not null, noChromium);
        RedisServer.SkipUnlessAvailable();
        HaproxyProcess.SkipUnlessAvailable();
        await using var cluster = await ProxiedCluster.StartAsync(redis.Server).Within(ProxiedCluster.StartTimeout);

        var page = await browser.NewPageAsync();
        try
        {
            // The circuit's start (negotiate, the WebSocket, first render) and the topic's arrival over Redis take a
            // second here, and far longer on a loaded two-core machine: the long timeout for both waits.
            var slow = new LocatorAssertionsToBeVisibleOptions { Timeout = (float)Timeouts.Long.TotalMilliseconds };
            var response = await page.GotoAsync(cluster.BaseAddress.ToString()).Within();
            Assert.Equal(200, response!.Status);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "PubSub Dashboard" })).ToBeVisibleAsync(slow);
            var cookie = (await page.Context.CookiesAsync().Within()).SingleOrDefault(c => c.Name == ProxiedCluster.CookieName);
            Assert.True(cookie is { Value: "node1" or "node2" }, "the browser got no proxy cookie");

            // Only a live circuit can show a topic that appears after the page loaded, and only the cluster can tell
            // the browser's node about a topic created on the other one.
            await cluster.Other(cookie!.Value).CreateTopicAsync("made-elsewhere");
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Show topic made-elsewhere" })).ToBeVisibleAsync(slow);
        }
        finally
        {
            await page.Context.CloseAsync().Within();
        }
    }
}
