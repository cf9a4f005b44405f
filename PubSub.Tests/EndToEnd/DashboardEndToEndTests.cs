using System.Text.Json;
using Microsoft.Playwright;
using PubSub.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace PubSub.Tests.EndToEnd;

/// <summary>
/// The dashboard, publisher and subscriber pages in Debian Chromium against a real server: what a newcomer
/// does, end to end. Also takes the screenshots the docs show (into docs/screenshots/ only when asked: see Screenshots).
/// </summary>
public sealed class DashboardEndToEndTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [ChromiumFact]
    public async Task Create_subscribe_publish_see_it_arrive_in_the_browser_and_over_ws_then_delete()
    {
        // Dashboard: create the topic with the form.
        var dashboard = await OpenAsync("/");
        await dashboard.GetByLabel("Topic name", new() { Exact = true }).FillAsync("e2e-orders");
        await dashboard.GetByLabel("Description", new() { Exact = true }).FillAsync("Orders placed in the end-to-end test");
        await dashboard.GetByRole(AriaRole.Button, new() { Name = "Create", Exact = true }).ClickAsync();
        await Expect(dashboard.GetByRole(AriaRole.Button, new() { Name = "Show topic e2e-orders" })).ToBeVisibleAsync();

        // A raw /ws client subscribes too.
        await using var ws = await _server.ConnectAsync();
        await ws.SubscribeAsync("e2e-orders", "raw-ws");

        // Subscriber page: subscribe.
        var subscriber = await OpenAsync("/subscriber");
        await subscriber.GetByLabel("Topic", new() { Exact = true }).FillAsync("e2e-orders");
        await subscriber.GetByRole(AriaRole.Button, new() { Name = "Subscribe", Exact = true }).ClickAsync();
        await Expect(subscriber.GetByRole(AriaRole.Region, new() { Name = "Subscriptions" })).ToContainTextAsync("e2e-orders");
        await Expect(subscriber.GetByRole(AriaRole.Status, new() { Name = "Connection status" })).ToHaveTextAsync("Live");

        // Publisher page: publish.
        var publisher = await OpenAsync("/publisher");
        await publisher.GetByLabel("Topic", new() { Exact = true }).FillAsync("e2e-orders");
        await publisher.GetByLabel("Payload", new() { Exact = true }).FillAsync("{\"order_id\":\"ORD-E2E-1\",\"amount\":\"12.50\"}");
        await publisher.GetByRole(AriaRole.Button, new() { Name = "Publish", Exact = true }).ClickAsync();
        await Expect(publisher.GetByText("Published to e2e-orders: seq 1").First).ToBeVisibleAsync();

        // It arrives on the subscriber page and on the raw socket.
        await Expect(subscriber.GetByRole(AriaRole.Log, new() { Name = "Received messages" })).ToContainTextAsync("ORD-E2E-1");
        var wsEvent = await ws.ExpectAsync("event");
        Assert.Equal("ORD-E2E-1", wsEvent.GetProperty("message").GetProperty("payload").GetProperty("order_id").GetString());
        Assert.Equal(1, wsEvent.GetProperty("seq").GetInt64());

        // More traffic for the screenshots: a few template messages.
        foreach (var template in new[] { "Order", "Order", "Order" })
        {
            await publisher.GetByRole(AriaRole.Button, new() { Name = template, Exact = true }).ClickAsync();
            await publisher.GetByRole(AriaRole.Button, new() { Name = "Publish", Exact = true }).ClickAsync();
        }

        await Expect(publisher.GetByText("Published to e2e-orders: seq 4").First).ToBeVisibleAsync();
        await Expect(subscriber.GetByRole(AriaRole.Region, new() { Name = "Subscriptions" })).ToContainTextAsync("4");
        await dashboard.GetByRole(AriaRole.Button, new() { Name = "Show topic e2e-orders" }).ClickAsync();
        await Expect(dashboard.GetByRole(AriaRole.Region, new() { Name = "Topic e2e-orders" })).ToContainTextAsync("raw-ws");
        await Expect(dashboard.GetByRole(AriaRole.Region, new() { Name = "Topic e2e-orders" })).ToContainTextAsync("ORD-E2E-1");
        await Expect(dashboard.GetByRole(AriaRole.Region, new() { Name = "Topic e2e-orders" })).ToContainTextAsync("Orders placed in the end-to-end test");

        await Expect(dashboard.GetByRole(AriaRole.Region, new() { Name = "Topic e2e-orders" })).ToContainTextAsync("Recent messages (4 retained)");
        await Expect(dashboard.Locator(".mud-chart svg").First).ToBeVisibleAsync();
        await ScreenshotAsync(dashboard, "dashboard.png");
        await ScreenshotAsync(publisher, "publisher.png");
        await ScreenshotAsync(subscriber, "subscriber.png");

        // Delete from the dashboard, with its confirmation.
        await dashboard.GetByRole(AriaRole.Button, new() { Name = "Delete topic e2e-orders", Exact = true }).ClickAsync();
        await dashboard.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(dashboard.GetByRole(AriaRole.Button, new() { Name = "Show topic e2e-orders" })).ToHaveCountAsync(0);

        // Its subscribers are told: the raw socket gets topic_deleted, the subscriber page marks it.
        JsonElement frame;
        do
        {
            frame = await ws.ReceiveAsync();
        }
        while (frame.GetProperty("type").GetString() == "event");

        Assert.Equal("topic_deleted", frame.GetProperty("msg").GetString());
        await Expect(subscriber.GetByRole(AriaRole.Region, new() { Name = "Subscriptions" })).ToContainTextAsync("deleted");
        var (status, _) = await _server.SendAsync(HttpMethod.Get, "/api/topics/e2e-orders/");
        Assert.Equal(404, status);
    }

    [ChromiumFact]
    public async Task A_topic_created_over_REST_shows_up_on_the_open_dashboard_without_a_reload()
    {
        var dashboard = await OpenAsync("/");
        await Expect(dashboard.GetByRole(AriaRole.Heading, new() { Name = "PubSub Dashboard" })).ToBeVisibleAsync();
        await Expect(dashboard.GetByText("No topics yet", new() { Exact = false })).ToBeVisibleAsync();

        await _server.CreateTopicAsync("from-rest");

        await Expect(dashboard.GetByRole(AriaRole.Button, new() { Name = "Show topic from-rest" })).ToBeVisibleAsync();
        await Expect(dashboard.Locator("[data-stat='Topics']")).ToHaveTextAsync("1");
    }

    [ChromiumFact]
    public async Task A_subscriber_page_under_a_flood_stays_responsive_and_bounded()
    {
        const int total = 20_000;
        await _server.CreateTopicAsync("flood");
        var subscriber = await OpenAsync("/subscriber");
        await subscriber.GetByLabel("Topic", new() { Exact = true }).FillAsync("flood");
        await subscriber.GetByRole(AriaRole.Button, new() { Name = "Subscribe", Exact = true }).ClickAsync();
        await Expect(subscriber.GetByRole(AriaRole.Status, new() { Name = "Connection status" })).ToHaveTextAsync("Live");

        // As fast as the broker takes them in-process: far more than 10,000 a second.
        var payload = System.Text.Encoding.UTF8.GetBytes("{\"reading\":42}");
        for (var i = 0; i < total; i++)
        {
            await _server.Broker.PublishAsync("flood", new global::PubSub.Core.MessageDraft(null, payload, "flood-test")).Within();
        }

        // The newest message shows, the list stays capped, and the page still answers a click at once.
        var log = subscriber.GetByRole(AriaRole.Log, new() { Name = "Received messages" });
        await Expect(log).ToContainTextAsync($"seq {total} ");
        Assert.True(await log.Locator(".message-row").CountAsync().Within() <= 200);
        await subscriber.GetByRole(AriaRole.Button, new() { Name = "Pause", Exact = true }).ClickAsync();
        await Expect(subscriber.GetByRole(AriaRole.Status, new() { Name = "Connection status" })).ToHaveTextAsync("Paused");
    }

    [ChromiumFact]
    public async Task The_seed_paths_lead_to_the_pages()
    {
        foreach (var (seed, heading) in new[] { ("/api/", "PubSub Dashboard"), ("/api/publisher/", "Publisher"), ("/api/subscriber/", "Subscriber") })
        {
            var page = await OpenAsync(seed);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Name = heading, Exact = true, Level = 1 })).ToBeVisibleAsync();
            await page.Context.CloseAsync();
        }
    }

    [ChromiumFact]
    public async Task Every_page_fits_a_390px_phone_without_sideways_scrolling()
    {
        await _server.CreateTopicAsync("orders");
        await _server.CreateTopicAsync("sensors.kitchen.temperature");
        foreach (var (path, name) in new[] { ("/", "dashboard"), ("/publisher", "publisher"), ("/subscriber", "subscriber") })
        {
            var page = await OpenAsync(path, width: 390, height: 844);
            await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();
            var overflow = await page.EvaluateAsync<int>("() => document.documentElement.scrollWidth - window.innerWidth").Within();
            Assert.True(overflow <= 0, $"{path} is {overflow}px wider than a 390px screen");
            await ScreenshotAsync(page, $"{name}-mobile.png", fullPage: false);
            await page.Context.CloseAsync();
        }
    }

    private async Task<IPage> OpenAsync(string path, int width = 1280, int height = 900)
    {
        var page = await browser.NewPageAsync(width, height);
        await page.GotoAsync(new Uri(_server.BaseAddress, path).ToString()).Within();

        // Pages render only once their circuit is up (no prerendering): a level-1 heading means controls work.
        await Expect(page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToBeVisibleAsync();
        return page;
    }

    private static async Task ScreenshotAsync(IPage page, string file, bool fullPage = true)
    {
        var path = Path.Combine(Screenshots.Directory, file);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = fullPage, Timeout = BrowserFixture.TimeoutMs }).Within();
    }
}
