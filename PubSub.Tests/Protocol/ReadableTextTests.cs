using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Infrastructure.ServerFixture;

namespace PubSub.Tests.Protocol;

/// <summary>Messages on the wire are written as people read them: <c>topic 'x'</c>, never <c>topic \u0027x\u0027</c>.</summary>
public sealed class ReadableTextTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    [Fact]
    public async Task A_ws_error_keeps_its_apostrophes()
    {
        var topic = NewTopic("nope");
        await using var client = await Server.ConnectAsync();
        await client.SendAsync(new { type = "subscribe", topic, client_id = "s1", request_id = "r1" });
        var raw = (await client.ExpectAsync("error")).GetRawText();
        Assert.Contains($"topic '{topic}' does not exist", raw);
        Assert.DoesNotContain("\\u0027", raw);
    }

    [Fact]
    public async Task A_REST_error_keeps_its_apostrophes()
    {
        var (status, body) = await Server.SendAsync(HttpMethod.Post, "/topics", """{"name":"a b"}""");
        Assert.Equal(400, status);
        var raw = body.GetRawText();
        Assert.Contains("invalid topic name 'a b'", raw);
        Assert.DoesNotContain("\\u0027", raw);
    }
}
