using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Rest;

/// <summary>Issue 10, item 8: HEAD is answered wherever GET is (PROTOCOL.md §6; probes use it).</summary>
public sealed class HeadRequestTests
{
    [Theory]
    [InlineData("/health", 200)]
    [InlineData("/api/health/", 200)]
    [InlineData("/topics", 200)]
    [InlineData("/stats", 200)]
    [InlineData("/topics/missing", 404)]
    public async Task HEAD_gets_the_status_and_headers_of_GET_without_a_body(string path, int status)
    {
        await using var server = await TestServer.StartAsync();
        using var head = await server.Http.SendAsync(new HttpRequestMessage(HttpMethod.Head, path)).Within();
        using var get = await server.Http.GetAsync(path).Within();
        Assert.Equal(status, (int)head.StatusCode);
        Assert.Equal(get.StatusCode, head.StatusCode);
        Assert.Equal(get.Content.Headers.ContentType?.MediaType, head.Content.Headers.ContentType?.MediaType);
        Assert.Empty(await head.Content.ReadAsByteArrayAsync().Within());
    }
}
