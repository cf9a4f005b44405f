using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Rest;

/// <summary>
/// Issue 10, item 5: invalid UTF-8, lone surrogates, a malformed chunked body and a body sent too slowly are the
/// client's mistakes: 400 (408 for the slow one) with the JSON error body, one debug line, never 500 or an error log.
/// </summary>
public sealed class BadBytesTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync(
            new Dictionary<string, string?>
            {
                ["Logging:LogLevel:PubSub"] = "Debug",
                ["Kestrel:Limits:MinRequestBodyDataRate:BytesPerSecond"] = "100",
                ["Kestrel:Limits:MinRequestBodyDataRate:GracePeriod"] = "00:00:02",
            },
            services => services.AddLogging(logging => logging.AddFakeLogging()));
        await _server.CreateTopicAsync("bytes");
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public static TheoryData<string, byte[]> BadBodies => new()
    {
        { "/topics", Bytes("{\"name\":\"a", 0xFF, 0xFE, "b\"}") },
        { "/topics", Bytes("{\"name\":\"ok\",\"metadata\":{\"x\":\"", 0xED, 0xA0, 0x80, "\"}}") }, // UTF-8 of a surrogate
        { "/topics", Bytes("{\"name\":\"\\ud800\"}") },
        { "/topics", Bytes("{\"name\":\"ok\",\"metadata\":{\"\\udc00\":1}}") },
        { "/api/topics/bytes/messages/", Bytes("{\"payload\":\"\\ud83d\"}") },
        { "/api/topics/bytes/messages/", Bytes("{\"payload\":{\"k\":\"", 0xC3, "\"}}") },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Invalid_UTF_8_and_lone_surrogates_are_400(string path, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");
        using var response = await _server.Http.PostAsync(path, content).Within();
        Assert.Equal(400, (int)response.StatusCode);
        Assert.Contains("BAD_REQUEST", await response.Content.ReadAsStringAsync().Within());
        AssertNoErrorLogged();
    }

    [Fact]
    public async Task A_valid_surrogate_pair_is_accepted()
    {
        using var response = await _server.Http.PostAsync("/api/topics/bytes/messages/", new StringContent("{\"payload\":\"\\ud83d\\ude00 😀\"}", Encoding.UTF8, "application/json")).Within();
        Assert.Equal(201, (int)response.StatusCode);
    }

    /// <summary>A chunk size that is not hex, and one that overflows (Kestrel throws OverflowException for it, not its bad-request error).</summary>
    [Theory]
    [InlineData("/topics", "ZZ")]
    [InlineData("/topics", "FFFFFFFFFFFFFFFFFF")]
    [InlineData("/api/topics/create/", "FFFFFFFFFFFFFFFFFF")]
    public async Task A_malformed_chunked_body_is_400(string path, string chunkSize)
    {
        var reply = await RawAsync($"POST {path} HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n{chunkSize}\r\nabc\r\n0\r\n\r\n");
        Assert.StartsWith("HTTP/1.1 400", reply);
        Assert.Contains("BAD_REQUEST", reply);
        AssertNoErrorLogged();
        Assert.Contains(_server.Services.GetFakeLogCollector().GetSnapshot(), r => r.Level == LogLevel.Debug && r.Message.Contains("chunk size", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task A_body_sent_slower_than_MinRequestBodyDataRate_is_408()
    {
        // Announces 1000 bytes, sends four, then nothing: under 100 bytes/s once the 2 s grace period is over.
        var reply = await RawAsync("POST /topics HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\nContent-Type: application/json\r\n\r\n{\"na");
        Assert.StartsWith("HTTP/1.1 408", reply);
        Assert.Contains("BAD_REQUEST", reply);
        AssertNoErrorLogged();
    }

    private void AssertNoErrorLogged() =>
        Assert.DoesNotContain(_server.Services.GetFakeLogCollector().GetSnapshot(), r => r.Level >= LogLevel.Error);

    private async Task<string> RawAsync(string request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, _server.BaseAddress.Port).Within();
        await socket.SendAsync(Encoding.ASCII.GetBytes(request)).Within();
        var buffer = new byte[8192];
        var read = await socket.ReceiveAsync(buffer).Within();
        return Encoding.UTF8.GetString(buffer, 0, read);
    }

    private static byte[] Bytes(params object[] parts) =>
        parts.SelectMany(p => p is string s ? Encoding.UTF8.GetBytes(s) : [Convert.ToByte(p, System.Globalization.CultureInfo.InvariantCulture)]).ToArray();
}
