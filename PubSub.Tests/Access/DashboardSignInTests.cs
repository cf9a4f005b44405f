using System.Net;
using System.Text.RegularExpressions;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Access;

/// <summary>
/// The dashboard's sign-in over plain HTTP on a real server with auth on: pages and <c>/_blazor</c> need the cookie,
/// the sign-in form turns a key into it (never an open redirect), sign-out drops it, and a cookie whose key is no
/// longer configured opens nothing. The browser walk-through is <c>DashboardSignInEndToEndTests</c>.
/// </summary>
public sealed partial class DashboardSignInTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(AccessKeys.Standard());

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("/")]
    [InlineData("/publisher")]
    [InlineData("/subscriber")]
    public async Task Every_page_sends_a_browser_without_the_cookie_to_the_sign_in_page(string path)
    {
        using var client = NewClient(out _);

        using var response = await client.GetAsync(path).Within();

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/signin?ReturnUrl={Uri.EscapeDataString(path)}", response.Headers.Location!.PathAndQuery);
    }

    [Fact]
    public async Task The_tab_icon_is_served_without_the_cookie()
    {
        using var client = NewClient(out _);

        using var response = await client.GetAsync("/favicon.ico").Within();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/svg+xml", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("<svg", await response.Content.ReadAsStringAsync().Within());
    }

    [Fact]
    public async Task The_circuit_connection_needs_the_cookie_too()
    {
        using var client = NewClient(out _);

        using var refused = await client.PostAsync("/_blazor/negotiate?negotiateVersion=1", null).Within();
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        await SignInAsync(client, AccessKeys.OrdersSubscriber);
        using var accepted = await client.PostAsync("/_blazor/negotiate?negotiateVersion=1", null).Within();
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
    }

    [Fact]
    public async Task A_wrong_key_gets_401_and_no_cookie()
    {
        using var client = NewClient(out var cookies);

        using var response = await PostSignInAsync(client, "/signin", "not-a-key-not-a-key-not-a-key");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains("not one of this server", await response.Content.ReadAsStringAsync().Within());
        Assert.Null(cookies.GetCookies(_server.BaseAddress)["pubsub.dashboard"]);
    }

    [Fact]
    public async Task A_key_becomes_an_http_only_strict_cookie_and_opens_the_page_asked_for()
    {
        using var client = NewClient(out var cookies);

        using var response = await PostSignInAsync(client, "/signin?ReturnUrl=%2Fpublisher", AccessKeys.OrdersSubscriber);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(new Uri(_server.BaseAddress, "/publisher"), Target(response));
        var setCookie = response.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("pubsub.dashboard=", StringComparison.Ordinal));
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(AccessKeys.OrdersSubscriber, Uri.UnescapeDataString(setCookie), StringComparison.Ordinal);
        using var page = await client.GetAsync("/publisher").Within();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }

    [Theory]
    [InlineData("//evil.example/")]
    [InlineData("/\\evil.example/")]
    [InlineData("https://evil.example/")]
    public async Task The_return_address_never_leaves_the_server(string returnUrl)
    {
        using var client = NewClient(out _);

        using var response = await PostSignInAsync(client, $"/signin?ReturnUrl={Uri.EscapeDataString(returnUrl)}", AccessKeys.Admin);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal(new Uri(_server.BaseAddress, "/"), Target(response));
    }

    [Fact]
    public async Task Sign_out_drops_the_cookie()
    {
        using var client = NewClient(out _);
        await SignInAsync(client, AccessKeys.Admin);

        using var signedOut = await client.PostAsync("/signout", null).Within();
        Assert.Equal(HttpStatusCode.Redirect, signedOut.StatusCode);
        Assert.Equal(new Uri(_server.BaseAddress, "/signin"), Target(signedOut));

        using var page = await client.GetAsync("/").Within();
        Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);
    }

    [Fact]
    public async Task A_cookie_of_a_key_no_longer_configured_opens_nothing()
    {
        using var client = NewClient(out var cookies);
        await SignInAsync(client, AccessKeys.OrdersSubscriber);
        var cookie = cookies.GetCookies(_server.BaseAddress)["pubsub.dashboard"]!.Value;

        // The same application (same data-protection key ring) restarted: with the key the cookie still opens the
        // dashboard (so it is the key's absence, not an unreadable cookie, that closes it below), without it not.
        await using (var same = await TestServer.StartAsync(AccessKeys.Standard()))
        {
            using var opened = await GetWithCookieAsync(same, cookie);
            Assert.Equal(HttpStatusCode.OK, opened.StatusCode);
        }

        await using var restarted = await TestServer.StartAsync(AccessKeys.Settings((AccessKeys.Admin, "admin", [], [])));
        using var response = await GetWithCookieAsync(restarted, cookie);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.StartsWith("/signin", response.Headers.Location!.PathAndQuery, StringComparison.Ordinal);
    }

    private static async Task<HttpResponseMessage> GetWithCookieAsync(TestServer server, string cookie)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/");
        request.Headers.Add("Cookie", $"pubsub.dashboard={cookie}");
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = server.BaseAddress, Timeout = Timeouts.Short };
        return await client.SendAsync(request).Within();
    }

    /// <summary>Where a redirect goes, made absolute against this server.</summary>
    private Uri Target(HttpResponseMessage response) => new(_server.BaseAddress, response.Headers.Location!);

    [Fact]
    public async Task With_auth_off_the_pages_are_open_and_the_sign_in_page_says_so()
    {
        await using var open = await TestServer.StartAsync();
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = open.BaseAddress, Timeout = Timeouts.Short };

        using var page = await client.GetAsync("/").Within();
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("Auth is off", await client.GetStringAsync("/signin").Within());
    }

    private HttpClient NewClient(out CookieContainer cookies)
    {
        cookies = new CookieContainer();
        return new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = cookies }) { BaseAddress = _server.BaseAddress, Timeout = Timeouts.Short };
    }

    private async Task SignInAsync(HttpClient client, string key)
    {
        using var response = await PostSignInAsync(client, "/signin", key);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    /// <summary>Fetches the sign-in form (for its antiforgery token) and posts it with <paramref name="key"/>, as a browser would.</summary>
    private static async Task<HttpResponseMessage> PostSignInAsync(HttpClient client, string path, string key)
    {
        var form = await client.GetStringAsync(path).Within();
        var token = AntiforgeryToken().Match(form).Groups[1].Value;
        var returnUrl = ReturnUrlField().Match(form) is { Success: true } m ? WebUtility.HtmlDecode(m.Groups[1].Value) : "";
        using var content = new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["_handler"] = "signin",
            ["__RequestVerificationToken"] = token,
            ["Input.Key"] = key,
            ["Input.ReturnUrl"] = returnUrl,
        });
        return await client.PostAsync(path, content).Within();
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryToken();

    [GeneratedRegex("name=\"Input.ReturnUrl\" value=\"([^\"]*)\"")]
    private static partial Regex ReturnUrlField();
}
