using System.Text.Json;
using Microsoft.Playwright;
using PubSub.Tests.Cluster;
using PubSub.Tests.EndToEnd;
using PubSub.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace PubSub.Tests.Sse;

/// <summary>
/// A browser's own <c>EventSource</c> in Debian Chromium against a real server (PROTOCOL.md §10): live events, the
/// stream on the dashboard's Connections page, an operator's close there, and EventSource's own reconnect, which sends
/// Last-Event-ID and gets exactly what it missed.
/// </summary>
public sealed class SseBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    // Every message and info the page's EventSource dispatches, and how often it opened.
    private const string Listen = """
        url => {
            window.got = [];
            window.opens = 0;
            const source = new EventSource(url);
            source.onopen = () => window.opens++;
            source.addEventListener('message', e => window.got.push({ kind: 'message', id: e.lastEventId, data: JSON.parse(e.data) }));
            source.addEventListener('info', e => window.got.push({ kind: 'info', id: e.lastEventId, data: JSON.parse(e.data) }));
            window.source = source;
        }
        """;

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [ChromiumFact]
    public async Task EventSource_gets_live_events_and_after_an_operator_close_resumes_with_exactly_the_missed_ones()
    {
        await _server.CreateTopicAsync("browser-orders");
        for (var i = 1; i <= 2; i++)
        {
            Assert.Equal(201, (await _server.PublishRestAsync("browser-orders", new { n = i })).Status);
        }

        // A page of the server's own origin opens the stream, as an app served by it would.
        var page = await browser.NewPageAsync();
        await page.GotoAsync(new Uri(_server.BaseAddress, "/health").ToString()).Within();
        await page.EvaluateAsync(Listen, "/api/topics/browser-orders/events/?last_n=2").Within();
        await WaitForMessagesAsync(page, 2);
        for (var i = 3; i <= 5; i++)
        {
            Assert.Equal(201, (await _server.PublishRestAsync("browser-orders", new { n = i })).Status);
        }

        await WaitForMessagesAsync(page, 5);

        // The dashboard lists it (transport sse, the browser's user agent) and an operator closes it there.
        var id = _server.Broker.Connections.Single(c => c.Transport == "sse").Id;
        var dashboard = await browser.NewPageAsync();
        await dashboard.GotoAsync(new Uri(_server.BaseAddress, "/cluster/connections").ToString()).Within();
        var row = dashboard.Locator("tr", new() { Has = dashboard.Locator($"[data-connection='{id}']") });
        await Expect(row.Locator("td[data-label='Transport']")).ToHaveTextAsync("sse");
        await Expect(row).ToContainTextAsync("HeadlessChrome");
        await Expect(row).ToContainTextAsync("browser-orders");
        await dashboard.GetByRole(AriaRole.Button, new() { Name = $"Disconnect {id}", Exact = true }).ClickAsync();
        var dialog = dashboard.GetByRole(AriaRole.Alertdialog, new() { Name = $"Confirm disconnecting {id}" });
        await dialog.GetByLabel("Reason", new() { Exact = true }).FillAsync("e2e: sse maintenance");
        await dialog.GetByRole(AriaRole.Button, new() { Name = "Disconnect", Exact = true }).ClickAsync();
        await page.WaitForFunctionAsync("() => window.got.some(e => e.kind === 'info' && e.data.msg === 'disconnected')").Within();

        // Published after the stream ended, before EventSource's reconnect (retry: 2000) or during it: either way it
        // resumes after seq 5. The URL's last_n=2 would replay 7 and 8 only; Last-Event-ID gives 6, 7 and 8.
        for (var i = 6; i <= 8; i++)
        {
            Assert.Equal(201, (await _server.PublishRestAsync("browser-orders", new { n = i })).Status);
        }

        await WaitForMessagesAsync(page, 8);
        Assert.Equal(2, await page.EvaluateAsync<int>("() => window.opens").Within());
        var got = JsonDocument.Parse(await page.EvaluateAsync<string>("() => JSON.stringify(window.got)").Within()).RootElement;
        var messages = got.EnumerateArray().Where(e => e.GetProperty("kind").GetString() == "message").ToList();
        Assert.Equal(Enumerable.Range(1, 8).Select(n => (long)n), messages.Select(m => m.GetProperty("data").GetProperty("seq").GetInt64()));
        Assert.Equal(Enumerable.Range(1, 8), messages.Select(m => m.GetProperty("data").GetProperty("payload").GetProperty("n").GetInt32()));
        var epoch = got.EnumerateArray().First(e => e.GetProperty("kind").GetString() == "info").GetProperty("data").GetProperty("epoch").GetString();
        Assert.Equal(Enumerable.Range(1, 8).Select(n => $"{epoch}:{n}"), messages.Select(m => m.GetProperty("id").GetString()));
        var infos = got.EnumerateArray().Where(e => e.GetProperty("kind").GetString() == "info").Select(e => e.GetProperty("data").GetProperty("msg").GetString());
        Assert.Equal(["subscribed", "disconnected", "subscribed"], infos);
        await page.EvaluateAsync("() => window.source.close()").Within();
    }

    private static Task WaitForMessagesAsync(IPage page, int count) =>
        page.WaitForFunctionAsync($"() => window.got.filter(e => e.kind === 'message').length >= {count}").Within();
}
