using Microsoft.Playwright;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.EndToEnd;

/// <summary>
/// One Playwright driver and one headless Debian Chromium per test class (no browser download). Pages get
/// short default timeouts, so a missing element fails in seconds with Playwright's own message.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private static readonly string[] ChromiumArgs =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic", "--hide-scrollbars",
    ];

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public static readonly float TimeoutMs = (float)Timeouts.Short.TotalMilliseconds;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("browser not started");

    public async Task InitializeAsync()
    {
        if (Requires.SkipReason("chromium", Requires.ChromiumPath) is not null)
        {
            return; // every test of the class is skipped
        }

        Assertions.SetDefaultExpectTimeout(TimeoutMs);
        _playwright = await Playwright.CreateAsync().Within();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Requires.Chromium(),
            Headless = true,
            Args = ChromiumArgs,
            Timeout = (float)Timeouts.Long.TotalMilliseconds,
        }).Within(Timeouts.Long);
    }

    /// <summary>A fresh page (its own context: no shared storage) at the given viewport width.</summary>
    public async Task<IPage> NewPageAsync(int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } }).Within();
        context.SetDefaultTimeout(TimeoutMs);
        context.SetDefaultNavigationTimeout(TimeoutMs);
        return await context.NewPageAsync().Within();
    }

    public async Task DisposeAsync()
    {
        try
        {
            if (_browser is not null)
            {
                await _browser.CloseAsync().Within();
            }
        }
        finally
        {
            _playwright?.Dispose();
        }
    }
}
