using Microsoft.Extensions.Options;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Hosting;

/// <summary>
/// Behind a reverse proxy (docs/deploy.md): a node believes X-Forwarded-For and X-Forwarded-Proto only from the proxies
/// listed in PubSub:ForwardedHeaders, so connection lists show the client's address and the origin check sees the
/// scheme the browser used. Real Kestrel; the test plays the proxy from 127.0.0.1.
/// </summary>
public sealed class ForwardedHeadersTests
{
    [Fact]
    public async Task Without_a_trusted_proxy_the_headers_are_ignored()
    {
        await using var server = await TestServer.StartAsync();
        await using var ws = await server.ConnectAsync(o => o.SetRequestHeader("X-Forwarded-For", "203.0.113.9"));
        Assert.Equal("127.0.0.1", await ClientIpAsync(server));
    }

    [Fact]
    public async Task From_a_trusted_proxy_the_client_address_and_scheme_are_the_forwarded_ones()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:ForwardedHeaders:KnownProxies:0"] = "127.0.0.1" });
        await using var ws = await server.ConnectAsync(o => o.SetRequestHeader("X-Forwarded-For", "203.0.113.9"));
        Assert.Equal("203.0.113.9", await ClientIpAsync(server));

        // The browser is on https://<host>: behind a TLS proxy its Origin is the server's own once the scheme is forwarded.
        var origin = $"https://{server.BaseAddress.Authority}";
        using var plain = new HttpRequestMessage(HttpMethod.Post, "/topics") { Content = new StringContent("""{"name":"fwd-a"}""") };
        plain.Headers.Add("Origin", origin);
        Assert.Equal(403, (int)(await server.Http.SendAsync(plain).Within()).StatusCode);

        using var forwarded = new HttpRequestMessage(HttpMethod.Post, "/topics") { Content = new StringContent("""{"name":"fwd-b"}""") };
        forwarded.Headers.Add("Origin", origin);
        forwarded.Headers.Add("X-Forwarded-Proto", "https");
        Assert.Equal(201, (int)(await server.Http.SendAsync(forwarded).Within()).StatusCode);
    }

    [Fact]
    public async Task A_network_that_does_not_hold_the_peer_is_not_trusted()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:ForwardedHeaders:KnownNetworks:0"] = "10.0.0.0/8" });
        await using var ws = await server.ConnectAsync(o => o.SetRequestHeader("X-Forwarded-For", "203.0.113.9"));
        Assert.Equal("127.0.0.1", await ClientIpAsync(server));
    }

    [Theory]
    [InlineData("PubSub:ForwardedHeaders:KnownProxies:0", "not-an-ip")]
    [InlineData("PubSub:ForwardedHeaders:KnownNetworks:0", "10.0.0.0/99")]
    public async Task A_malformed_entry_refuses_the_start(string key, string value)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => TestServer.StartAsync(new Dictionary<string, string?> { [key] = value })).Within();
        Assert.Contains(key, ex.Message);
    }

    private static async Task<string?> ClientIpAsync(TestServer server)
    {
        string? ip = null;
        await Waits.UntilAsync(() =>
        {
            var (_, body) = server.SendAsync(HttpMethod.Get, "/api/connections/").GetAwaiter().GetResult();
            ip = body.GetProperty("connections").EnumerateArray().Select(c => c.GetProperty("client_ip").GetString()).FirstOrDefault();
            return ip is not null;
        });
        return ip;
    }
}
