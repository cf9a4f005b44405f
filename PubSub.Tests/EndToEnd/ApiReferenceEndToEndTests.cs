using Microsoft.Playwright;
using PubSub.Tests.Infrastructure;
using static Microsoft.Playwright.Assertions;

namespace PubSub.Tests.EndToEnd;

/// <summary>
/// Scalar's API reference at /docs renders the OpenAPI document in Debian Chromium, offline: its script is served by the
/// server itself, its CDN fonts and the extras that link to Scalar's services are off. Takes docs/screenshots/api-reference.png when asked to (see <see cref="Screenshots"/>).
/// </summary>
public sealed class ApiReferenceEndToEndTests(BrowserFixture browser) : IClassFixture<BrowserFixture>, IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [ChromiumFact]
    public async Task The_docs_page_shows_the_REST_operations_from_the_document_with_nothing_from_elsewhere()
    {
        var page = await browser.NewPageAsync(1400, 1000);
        var elsewhere = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Request += (_, request) =>
        {
            if (!request.Url.StartsWith(_server.BaseAddress.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal) && !request.Url.StartsWith("data:", StringComparison.Ordinal))
            {
                elsewhere.Enqueue(request.Url);
            }
        };
        await page.GotoAsync(new Uri(_server.BaseAddress, "/docs").ToString()).Within();

        // Rendered from /openapi/v1.json: the title and the operations' short titles ([EndpointSummary]).
        await Expect(page.GetByRole(AriaRole.Heading, new() { Name = "PubSub REST API" }).First).ToBeVisibleAsync();
        // The first group (Health, with the probes) opens by itself; the others on a click.
        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Readiness probe" }).First).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Open Group - Cluster" }).First.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { NameRegex = new System.Text.RegularExpressions.Regex("^List nodes HTTP") }).First).ToBeVisibleAsync();
        await page.GetByRole(AriaRole.Button, new() { Name = "Open Group - Topics" }).First.ClickAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Publish a message HTTP") }).First).ToBeVisibleAsync();
        await Expect(page.GetByRole(AriaRole.Link, new() { NameRegex = new System.Text.RegularExpressions.Regex("^Create a topic HTTP") }).First).ToBeVisibleAsync();

        // Scalar's extras that link out are off, and the page asked nothing of another origin (fonts included).
        foreach (var extra in new[] { "Generate SDK", "Ask AI", "Deploy", "Share", "Configure" })
        {
            await Expect(page.GetByText(extra, new() { Exact = true })).ToHaveCountAsync(0);
        }

        await Expect(page.GetByRole(AriaRole.Link, new() { Name = "Open API Client" })).ToHaveCountAsync(0);

        Assert.Empty(elsewhere);

        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(Screenshots.Directory, "api-reference.png"), Timeout = BrowserFixture.TimeoutMs }).Within();
    }
}
