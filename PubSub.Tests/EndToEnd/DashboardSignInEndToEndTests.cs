using Microsoft.Playwright;
using PubSub.Tests.Access;
using PubSub.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace PubSub.Tests.EndToEnd;

/// <summary>
/// Issue 10 item 2 in Debian Chromium against a real server with auth on: a subscribe-only key limited to
/// <c>orders*</c> signs in, sees only the <c>orders*</c> topics, cannot delete one (as REST refuses it with 403),
/// and signs out. The cookie is the dashboard's only: REST does not take it.
/// </summary>
public sealed class DashboardSignInEndToEndTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await AccessKeys.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [ChromiumFact]
    public async Task A_subscribe_only_orders_key_signs_in_sees_only_its_topics_cannot_delete_and_signs_out()
    {
        var page = await browser.NewPageAsync();

        // Every page needs a signed-in key: the dashboard sends the browser to the sign-in page.
        await page.GotoAsync(Url("/")).Within();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in", Level = 1 })).ToBeVisibleAsync();
        Assert.Contains("/signin?ReturnUrl=", page.Url);

        await page.GetByLabel("API key").FillAsync("not-a-key-not-a-key-not-a-key");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("not one of this server's API keys");

        await page.GetByLabel("API key").FillAsync(AccessKeys.OrdersSubscriber);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "PubSub Dashboard", Level = 1 })).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Signed in as")).ToHaveTextAsync("orders-subscriber");

        // Only the orders* topics, in the table and the stat card.
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Show topic orders-eu" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Show topic orders-us" })).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Show topic payments" })).ToHaveCountAsync(0);
        await Expect(page.Locator("[data-stat='Topics']")).ToHaveTextAsync("2");

        // Delete is refused, as REST refuses the same key with 403.
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Delete topic orders-eu", Exact = true })).ToBeDisabledAsync();
        var (status, body) = await _server.SendAsync(HttpMethod.Delete, "/api/topics/orders-eu/", apiKey: AccessKeys.OrdersSubscriber);
        Assert.Equal(403, status);
        Assert.Equal("FORBIDDEN", body.GetProperty("code").GetString());
        Assert.NotNull(await _server.Broker.GetTopicAsync("orders-eu").AsTask().Within());

        // The dashboard's cookie is no API key: REST called with it alone is 401.
        var rest = await page.Context.APIRequest.GetAsync(Url("/api/topics/")).Within();
        Assert.Equal(401, rest.Status);

        // Sign out: back to the sign-in page, and the dashboard is closed again.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in", Level = 1 })).ToBeVisibleAsync();
        await page.GotoAsync(Url("/publisher")).Within();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Sign in", Level = 1 })).ToBeVisibleAsync();
        Assert.Contains("ReturnUrl=%2Fpublisher", page.Url);
    }

    [ChromiumFact]
    public async Task Signing_in_returns_to_the_page_asked_for_and_the_admin_key_may_delete()
    {
        var page = await browser.NewPageAsync();
        await page.GotoAsync(Url("/subscriber")).Within();
        await page.GetByLabel("API key").FillAsync(AccessKeys.Admin);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Subscriber", Level = 1 })).ToBeVisibleAsync();

        await page.GetByRole(AriaRole.Link, new() { Name = "Dashboard" }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete topic payments", Exact = true }).ClickAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Delete", Exact = true }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Show topic payments" })).ToHaveCountAsync(0);
        Assert.Null(await _server.Broker.GetTopicAsync("payments").AsTask().Within());
    }

    private string Url(string path) => new Uri(_server.BaseAddress, path).ToString();
}
