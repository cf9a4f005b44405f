using System.Text.Json;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Rest;

/// <summary>Optional <c>limit</c>/<c>offset</c> on the topic list: the seed's answer without them, a page by name with them.</summary>
public sealed class TopicPagingTests : IAsyncLifetime
{
    private TestServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        foreach (var name in new[] { "e", "c", "a", "d", "b" })
        {
            await _server.CreateTopicAsync(name);
        }
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Theory]
    [InlineData("/api/topics/")]
    [InlineData("/topics")]
    public async Task Without_paging_every_topic_comes_back_in_the_seeds_shape(string path)
    {
        var (status, body) = await _server.SendAsync(HttpMethod.Get, path);
        Assert.Equal(200, status);
        Assert.Equal(["topics"], body.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["a", "b", "c", "d", "e"], Names(body));
    }

    [Theory]
    [InlineData("/api/topics/?limit=2", new[] { "a", "b" }, 2, 0)]
    [InlineData("/api/topics/?limit=2&offset=2", new[] { "c", "d" }, 2, 2)]
    [InlineData("/topics?limit=10&offset=4", new[] { "e" }, 10, 4)]
    [InlineData("/topics?offset=5", new string[0], null, 5)]
    [InlineData("/topics?offset=3", new[] { "d", "e" }, null, 3)]
    public async Task A_page_is_a_slice_by_name_with_its_position(string path, string[] expected, int? limit, int offset)
    {
        var (status, body) = await _server.SendAsync(HttpMethod.Get, path);
        Assert.Equal(200, status);
        Assert.Equal(expected, Names(body));
        Assert.Equal(5, body.GetProperty("total_count").GetInt32());
        Assert.Equal(offset, body.GetProperty("offset").GetInt32());
        if (limit is null)
        {
            Assert.False(body.TryGetProperty("limit", out _));
        }
        else
        {
            Assert.Equal(limit, body.GetProperty("limit").GetInt32());
        }
    }

    [Theory]
    [InlineData("/api/topics/?limit=0", "limit")]
    [InlineData("/api/topics/?limit=-1", "limit")]
    [InlineData("/topics?limit=abc", "limit")]
    [InlineData("/topics?limit=1.5", "limit")]
    [InlineData("/topics?offset=-1", "offset")]
    [InlineData("/topics?limit=2&offset=x", "offset")]
    [InlineData("/topics?limit=99999999999", "limit")]
    public async Task Bad_limit_or_offset_is_400(string path, string named)
    {
        var (status, body) = await _server.SendAsync(HttpMethod.Get, path);
        Assert.Equal(400, status);
        Assert.Equal("BAD_REQUEST", body.GetProperty("code").GetString());
        Assert.Contains(named, body.GetProperty("error").GetString());
    }

    private static string[] Names(JsonElement body) =>
        body.GetProperty("topics").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToArray();
}
