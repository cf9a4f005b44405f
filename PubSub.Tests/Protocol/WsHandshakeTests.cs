using System.Net.Sockets;
using System.Text;
using PubSub.Server.WebSockets;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Protocol;

/// <summary>The RFC 6455 opening handshake, checked byte for byte over a raw TCP socket.</summary>
public sealed class WsHandshakeTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private async Task<string> SendRawAsync(string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(fixture.Server.BaseAddress.Host, fixture.Server.BaseAddress.Port).Within();
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request)).AsTask().Within();
        var buffer = new byte[4096];
        var text = new StringBuilder();
        while (true)
        {
            var read = await stream.ReadAsync(buffer).AsTask().Within();
            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
            var s = text.ToString();

            // A 101 has no body; an error ends with its JSON body.
            if (read == 0 || (s.StartsWith("HTTP/1.1 101", StringComparison.Ordinal) && s.Contains("\r\n\r\n", StringComparison.Ordinal)) || s.EndsWith('}') || s.EndsWith("0\r\n\r\n", StringComparison.Ordinal))
            {
                return s;
            }
        }
    }

    private static string Upgrade(string? key = "dGhlIHNhbXBsZSBub25jZQ==", string version = "13") =>
        "GET /ws HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
        (key is null ? string.Empty : $"Sec-WebSocket-Key: {key}\r\n") +
        $"Sec-WebSocket-Version: {version}\r\n\r\n";

    [Fact]
    public void The_accept_value_is_the_one_RFC_6455_gives_for_its_sample_key() =>
        Assert.Equal("s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", WsHandshake.AcceptValue("dGhlIHNhbXBsZSBub25jZQ=="));

    [Fact]
    public async Task A_valid_upgrade_switches_protocols()
    {
        var response = await SendRawAsync(Upgrade());
        Assert.StartsWith("HTTP/1.1 101", response);
        Assert.Contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", response);
        Assert.Contains("Upgrade: websocket", response, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(null, "13", "Sec-WebSocket-Key")]
    [InlineData("too-short", "13", "Sec-WebSocket-Key")]
    public async Task A_bad_upgrade_gets_400_JSON(string? key, string version, string hint)
    {
        var response = await SendRawAsync(Upgrade(key, version));
        Assert.StartsWith("HTTP/1.1 400", response);
        Assert.Contains(hint, response, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("application/json", response);
    }

    [Theory]
    [InlineData("8")]
    [InlineData("14")]
    [InlineData("")]
    public async Task Another_WebSocket_version_gets_426_naming_version_13(string version)
    {
        var response = await SendRawAsync(Upgrade(version: version));
        Assert.StartsWith("HTTP/1.1 426", response);
        Assert.Contains("Sec-WebSocket-Version: 13", response, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("version", response, StringComparison.OrdinalIgnoreCase);
    }
}
