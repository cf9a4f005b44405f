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

    /// <summary>From a controller (MVC's writer) and from middleware (a wrong method: the server's own error writer).</summary>
    [Theory]
    [InlineData("POST", "/topics", """{"name":"a b"}""", 400, "invalid topic name 'a b'")]
    [InlineData("POST", "/api/topics/it's/subscribers/", null, 405, "Method POST not allowed on /api/topics/it's/subscribers/")]
    public async Task A_REST_error_keeps_its_apostrophes(string method, string path, string? body, int status, string text)
    {
        var (answered, json) = await Server.SendAsync(new HttpMethod(method), path, body);
        Assert.Equal(status, answered);
        var raw = json.GetRawText();
        Assert.Contains(text, raw);
        Assert.DoesNotContain("\\u0027", raw);
    }
}
