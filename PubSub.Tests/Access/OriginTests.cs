using System.Net;
using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Access;

/// <summary>
/// PROTOCOL.md §4 "Origins" on every door: WebSocket upgrades on <c>/ws</c>, the hub and Blazor's <c>/_blazor</c>,
/// the negotiate calls before them, and state-changing REST (a cross-site <c>text/plain</c> form post that would
/// create a topic). Foreign origins get 403; the server's own, listed ones, and requests without Origin pass.
/// </summary>
public sealed class OriginTests : IAsyncLifetime
{
    private const string Evil = "http://evil.example";
    private const string Listed = "https://app.example.com";
    private TestServer _server = null!;

    public async Task InitializeAsync() => _server = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:AllowedOrigins:0"] = Listed });

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private string Own => $"http://{_server.BaseAddress.Authority}";

    [Theory]
    [InlineData("/ws")]
    [InlineData("/hubs/pubsub")]
    [InlineData("/_blazor")]
    public async Task A_WebSocket_upgrade_from_a_foreign_origin_is_refused_with_403(string path)
    {
        Assert.Equal(HttpStatusCode.Forbidden, await UpgradeAsync(path, Evil));
        Assert.Equal(HttpStatusCode.Forbidden, await UpgradeAsync(path, "null"));
        Assert.Equal(HttpStatusCode.Forbidden, await UpgradeAsync(path, $"https://{_server.BaseAddress.Authority}")); // same host, other scheme
    }

    [Theory]
    [InlineData("/ws")]
    [InlineData("/hubs/pubsub")]
    [InlineData("/_blazor")]
    public async Task A_WebSocket_upgrade_from_the_own_or_a_listed_origin_or_none_goes_through(string path)
    {
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await UpgradeAsync(path, Own));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await UpgradeAsync(path, Listed));
        Assert.Equal(HttpStatusCode.SwitchingProtocols, await UpgradeAsync(path, null));
    }

    [Theory]
    [InlineData("/hubs/pubsub/negotiate?negotiateVersion=1")]
    [InlineData("/_blazor/negotiate?negotiateVersion=1")]
    public async Task Negotiate_from_a_foreign_origin_is_refused_and_from_the_own_or_a_listed_one_answered(string path)
    {
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync(path, Evil, ""));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(path, Own, ""));
        Assert.Equal(HttpStatusCode.OK, await PostAsync(path, Listed, ""));
    }

    [Fact]
    public async Task A_cross_site_text_plain_post_creates_no_topic()
    {
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync("/api/topics/create/", Evil, """{"name":"csrf-made"}""", "text/plain"));
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync("/topics", Evil, """{"name":"csrf-made"}""", "text/plain"));
        Assert.Null(await _server.Broker.GetTopicAsync("csrf-made").AsTask().Within());

        Assert.Equal(HttpStatusCode.Created, await PostAsync("/api/topics/create/", Own, """{"name":"own-made"}""", "text/plain"));
        Assert.Equal(HttpStatusCode.Created, await PostAsync("/api/topics/create/", Listed, """{"name":"listed-made"}""", "text/plain"));
        Assert.Equal(HttpStatusCode.Created, await PostAsync("/api/topics/create/", null, """{"name":"script-made"}""", "text/plain"));
    }

    [Fact]
    public async Task A_cross_site_delete_or_publish_is_refused_and_a_cross_site_read_is_not()
    {
        await _server.CreateTopicAsync("kept");

        using var delete = new HttpRequestMessage(HttpMethod.Delete, "/api/topics/kept/");
        delete.Headers.Add("Origin", Evil);
        using var deleted = await _server.Http.SendAsync(delete).Within();
        Assert.Equal(HttpStatusCode.Forbidden, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, await PostAsync("/api/topics/kept/messages/", Evil, """{"payload":1}"""));
        Assert.NotNull(await _server.Broker.GetTopicAsync("kept").AsTask().Within());
        Assert.Equal(0, (await _server.Broker.GetTopicAsync("kept").AsTask().Within())!.LastSeq);

        using var read = new HttpRequestMessage(HttpMethod.Get, "/api/topics/kept/");
        read.Headers.Add("Origin", Evil);
        using var answered = await _server.Http.SendAsync(read).Within();
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
    }

    [Fact]
    public async Task A_star_allows_any_origin()
    {
        await using var open = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:AllowedOrigins:0"] = "*" });

        Assert.Equal(HttpStatusCode.SwitchingProtocols, await UpgradeAsync(open, "/ws", Evil));
        Assert.Equal(HttpStatusCode.Created, await PostAsync(open, "/api/topics/create/", Evil, """{"name":"anyone"}""", "text/plain"));
    }

    [Theory]
    [InlineData("evil.example")]
    [InlineData("https://app.example.com/path")]
    [InlineData("ftp://files.example")]
    public async Task A_malformed_allowed_origin_refuses_the_start(string origin)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:AllowedOrigins:0"] = origin })).Within();

        Assert.Contains("PubSub:AllowedOrigins:0", ex.Message);
    }

    private Task<HttpStatusCode> UpgradeAsync(string path, string? origin) => UpgradeAsync(_server, path, origin);

    private Task<HttpStatusCode> PostAsync(string path, string? origin, string body, string contentType = "application/json") =>
        PostAsync(_server, path, origin, body, contentType);

    /// <summary>The status of a WebSocket opening handshake (101 when it upgraded).</summary>
    private static async Task<HttpStatusCode> UpgradeAsync(TestServer server, string path, string? origin)
    {
        using var socket = new ClientWebSocket();
        socket.Options.CollectHttpResponseDetails = true;
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }

        try
        {
            await socket.ConnectAsync(new Uri($"ws://{server.BaseAddress.Authority}{path}"), CancellationToken.None).Within();
        }
        catch (WebSocketException)
        {
            // Refused: the status says why.
        }

        return socket.HttpStatusCode;
    }

    private static async Task<HttpStatusCode> PostAsync(TestServer server, string path, string? origin, string body, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, System.Text.Encoding.UTF8, contentType) };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        using var response = await server.Http.SendAsync(request).Within();
        return response.StatusCode;
    }
}
