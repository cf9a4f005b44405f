using Microsoft.Playwright;
using PubSub.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace PubSub.Tests.EndToEnd;

/// <summary>
/// Scalar's API reference at /docs renders the OpenAPI document in Debian Chromium, offline (its script is served by the
/// server itself). Takes docs/screenshots/api-reference.png when asked to (see <see cref="Screenshots"/>).
/// </summary>
public sealed class ApiReferenceEndToEndTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [ChromiumFact]
    public async Task The_docs_page_shows_the_REST_operations_from_the_document()
    {
        var page = await browser.NewPageAsync(1400, 1000);
        await page.GotoAsync(new Uri(_server.BaseAddress, "/docs").ToString()).Within();

        // Rendered from /openapi/v1.json: the title and the operations' summaries (the controllers' doc comments).
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "PubSub REST API" }).First).ToBeVisibleAsync();
        // The first group (Cluster, by name) opens by itself; the others on a click.
        await Expect(page.GetByRole(AriaRole.Heading, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Every live node: id, start") }).First).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Open Group - Health" }).First.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Liveness and a few totals; open without an API key, for probes." }).First).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Open Group - Topics" }).First.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Publishes a message over HTTP" }).First).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Creates a topic, with optional metadata" }).First).ToBeVisibleAsync();

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots.Directory, "api-reference.png"), Timeout = BrowserFixture.TimeoutMs }).Within();
    }
}
