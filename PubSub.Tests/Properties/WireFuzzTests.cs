using System.Net.WebSockets;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Properties;

/// <summary>Arbitrary JSON over the real sockets: never <c>INTERNAL</c> or 500, and the connection stays open.</summary>
public sealed class WireFuzzTests(ServerFixture fixture) : IClassFixture<ServerFixture>, IAsyncLifetime
{
    private WsClient _client = null!;

    public async Task InitializeAsync() => _client = await fixture.Server.ConnectAsync();

    public async Task DisposeAsync() => await _client.DisposeAsync();

    [Fact]
    public async Task A_lone_surrogate_in_a_ws_frame_is_BAD_REQUEST_and_the_connection_stays()
    {
        await _client.SendTextAsync("""{"type":"ping","\ud800":1}""");
        var error = await _client.ExpectAsync("error");
        Assert.Equal("BAD_REQUEST", error.GetProperty("error").GetProperty("code").GetString());
        await _client.SendTextAsync("""{"type":"subscribe","topic":"t","client_id":"\udc00"}""");
        Assert.Equal("BAD_REQUEST", (await _client.ExpectAsync("error")).GetProperty("error").GetProperty("code").GetString());
        await _client.SendAsync(new { type = "ping" });
        await _client.ExpectAsync("pong");
    }

    [Property(MaxTest = 300)]
    public Property Arbitrary_JSON_frames_on_ws_never_get_INTERNAL() =>
        Prop.ForAll(Arb.From(JsonGen.Object), json =>
        {
            _client.SendTextAsync(json).GetAwaiter().GetResult();
            _client.SendTextAsync("""{"type":"ping","request_id":"fence"}""").GetAwaiter().GetResult();
            while (true)
            {
                var frame = _client.ReceiveAsync().GetAwaiter().GetResult();
                if (frame.TryGetProperty("error", out var error) && error.GetProperty("code").GetString() == "INTERNAL")
                {
                    return false;
                }

                if (frame.GetProperty("type").GetString() == "pong" && frame.TryGetProperty("request_id", out var rid) && rid.GetString() == "fence")
                {
                    return _client.Socket.State == WebSocketState.Open;
                }
            }
        });

    [Property(MaxTest = 300)]
    public Property Arbitrary_JSON_bodies_on_REST_are_never_500() =>
        Prop.ForAll(Arb.From(JsonGen.Value), json =>
        {
            foreach (var path in new[] { "/topics", "/api/topics/fuzz/messages/" })
            {
                using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(json));
                content.Headers.ContentType = new("application/json");
                using var response = fixture.Server.Http.PostAsync(path, content).Within().GetAwaiter().GetResult();
                if ((int)response.StatusCode >= 500)
                {
                    return false;
                }
            }

            return true;
        });
}
