using System.Net.Http.Headers;
using System.Text.Json;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Dashboard;

/// <summary>
/// <c>/nodes</c> and <c>/connections</c> are both dashboard pages and the REST aliases of <c>/api/nodes/</c> and
/// <c>/api/connections/</c> (PROTOCOL.md §8): a browser's navigation (Accept names text/html) gets the page, every other
/// request the JSON it always got.
/// </summary>
public sealed class PageOrApiRoutingTests : IAsyncLifetime
{
    private const string BrowserAccept = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8";

    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("/nodes", "nodes")]
    [InlineData("/nodes/", "nodes")]
    [InlineData("/connections", "connections")]
    [InlineData("/connections/", "connections")]
    public async Task Api_clients_get_json_whatever_they_accept(string path, string property)
    {
        foreach (var accept in new[] { null, "*/*", "application/json" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (accept is not null)
            {
                request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse(accept));
            }

            using var response = await _server.Http.SendAsync(request).Within();
            Assert.Equal(200, (int)response.StatusCode);
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync().Within());
            Assert.Equal(JsonValueKind.Array, body.RootElement.GetProperty(property).ValueKind);
        }
    }

    [Theory]
    [InlineData("/nodes")]
    [InlineData("/connections/")]
    public async Task A_browser_gets_the_page(string path)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("Accept", BrowserAccept);

        using var response = await _server.Http.SendAsync(request).Within();

        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("_framework/blazor.web.js", await response.Content.ReadAsStringAsync().Within());
    }

    [Fact]
    public async Task Delete_of_a_connection_is_the_api_whatever_it_accepts()
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, "/connections/ws-1.nowhere/");
        request.Headers.TryAddWithoutValidation("Accept", BrowserAccept);

        using var response = await _server.Http.SendAsync(request).Within();

        Assert.Equal(404, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
    }
}
