using System.Text.Json;
using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Infrastructure.ServerFixture;

namespace PubSub.Tests.Rest;

/// <summary>PROTOCOL.md §6: every route, seed paths with and without the trailing slash, and the assignment aliases.</summary>
public sealed class RestApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    [Theory]
    [InlineData("/api/health/")]
    [InlineData("/api/health")]
    [InlineData("/health")]
    public async Task Health(string path)
    {
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        await using var client = await Server.ConnectAsync();
        await client.SubscribeAsync(topic);
        var (status, body) = await Server.SendAsync(HttpMethod.Get, path);
        Assert.Equal(200, status);
        Assert.True(body.GetProperty("uptime_sec").GetInt64() >= 0);
        Assert.True(body.GetProperty("topics").GetInt32() >= 1);
        Assert.True(body.GetProperty("subscribers").GetInt32() >= 1);
    }

    [Theory]
    [InlineData("/api/stats/")]
    [InlineData("/api/stats")]
    [InlineData("/stats")]
    public async Task Stats_count_messages_and_subscribers_per_topic(string path)
    {
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        await using var a = await Server.ConnectAsync();
        await using var b = await Server.ConnectAsync();
        await a.SubscribeAsync(topic);
        await b.SubscribeAsync(topic);
        for (var i = 0; i < 3; i++)
        {
            await Server.SendAsync(HttpMethod.Post, $"/api/topics/{topic}/messages/", "{\"payload\":1}");
        }

        var (status, body) = await Server.SendAsync(HttpMethod.Get, path);
        Assert.Equal(200, status);
        var entry = body.GetProperty("topics").GetProperty(topic);
        Assert.Equal(3, entry.GetProperty("messages").GetInt64());
        Assert.Equal(2, entry.GetProperty("subscribers").GetInt32());
    }

    [Theory]
    [InlineData("/api/topics/create/", "/api/topics/")]
    [InlineData("/api/topics/create", "/api/topics")]
    [InlineData("/topics", "/topics")]
    public async Task Create_then_list(string createPath, string listPath)
    {
        var topic = NewTopic();
        var (status, body) = await Server.SendAsync(HttpMethod.Post, createPath, $"{{\"name\":\"{topic}\",\"metadata\":{{\"description\":\"Topic description\"}}}}");
        Assert.Equal(201, status);
        Assert.Equal("created", body.GetProperty("status").GetString());
        Assert.Equal(topic, body.GetProperty("topic").GetString());

        (status, body) = await Server.SendAsync(HttpMethod.Get, listPath);
        Assert.Equal(200, status);
        var item = body.GetProperty("topics").EnumerateArray().Single(t => t.GetProperty("name").GetString() == topic);
        Assert.Equal(0, item.GetProperty("subscribers").GetInt32());
        Assert.Matches(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$", item.GetProperty("created_at").GetString());
    }

    [Fact]
    public async Task A_form_encoded_body_is_read_as_JSON_as_curl_d_sends_it()
    {
        var topic = NewTopic();
        using var response = await Server.Http.PostAsync("/api/topics/create/", new StringContent($"{{\"name\":\"{topic}\"}}", System.Text.Encoding.UTF8, "application/x-www-form-urlencoded")).Within();
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
    }

    [Theory]
    [InlineData("{\"name\":\"\"}", "blank")]
    [InlineData("{\"name\":\"   \"}", "blank")]
    [InlineData("{}", "name is required")]
    [InlineData("{\"name\":42}", "name is required")]
    [InlineData("{\"name\":\"bad name\"}", "invalid topic name")]
    [InlineData("{\"name\":\"-x\"}", "invalid topic name")]
    [InlineData("{\"name\":\"ok-name\",\"metadata\":[1]}", "metadata")]
    [InlineData("{\"name\":", "invalid JSON")]
    [InlineData("[\"orders\"]", "JSON object")]
    [InlineData("", "empty")]
    public async Task Create_refuses_bad_bodies_with_400_JSON(string body, string hint)
    {
        var (status, error) = await Server.SendAsync(HttpMethod.Post, "/api/topics/create/", body);
        Assert.Equal(400, status);
        Assert.Contains(hint, error.GetProperty("error").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Creating_an_existing_topic_is_409()
    {
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        var (status, body) = await Server.SendAsync(HttpMethod.Post, "/topics", $"{{\"name\":\"{topic}\"}}");
        Assert.Equal(409, status);
        Assert.Equal("Topic already exists", body.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("/api/topics/{0}/")]
    [InlineData("/api/topics/{0}")]
    [InlineData("/api/topics/{0}/delete/")]
    [InlineData("/api/topics/{0}/delete")]
    [InlineData("/topics/{0}")]
    public async Task Delete(string pathFormat)
    {
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        var path = string.Format(System.Globalization.CultureInfo.InvariantCulture, pathFormat, topic);
        var (status, body) = await Server.SendAsync(HttpMethod.Delete, path);
        Assert.Equal(200, status);
        Assert.Equal("deleted", body.GetProperty("status").GetString());
        Assert.Equal(topic, body.GetProperty("topic").GetString());

        (status, body) = await Server.SendAsync(HttpMethod.Delete, path);
        Assert.Equal(404, status);
        Assert.Equal("Topic not found", body.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("/api/topics/{0}/")]
    [InlineData("/topics/{0}")]
    public async Task Topic_details(string pathFormat)
    {
        var topic = NewTopic();
        var (status, _) = await Server.SendAsync(HttpMethod.Post, "/topics", $"{{\"name\":\"{topic}\",\"metadata\":{{\"owner\":\"team-a\"}}}}");
        Assert.Equal(201, status);
        await using var client = await Server.ConnectAsync();
        await client.SubscribeAsync(topic);
        await Server.SendAsync(HttpMethod.Post, $"/api/topics/{topic}/messages/", "{\"payload\":1}");

        var (detailStatus, d) = await Server.SendAsync(HttpMethod.Get, string.Format(System.Globalization.CultureInfo.InvariantCulture, pathFormat, topic));
        Assert.Equal(200, detailStatus);
        Assert.Equal(topic, d.GetProperty("name").GetString());
        Assert.Equal(JsonValueKind.String, d.GetProperty("created_at").ValueKind);
        Assert.Equal(JsonValueKind.String, d.GetProperty("last_published").ValueKind);
        Assert.Equal(1, d.GetProperty("message_count").GetInt64());
        Assert.Equal(1, d.GetProperty("subscriber_count").GetInt32());
        Assert.True(d.GetProperty("is_active").GetBoolean());
        Assert.Equal("team-a", d.GetProperty("metadata").GetProperty("owner").GetString());
        Assert.Equal(1, d.GetProperty("subscriptions_count").GetInt32());

        var (missing, body) = await Server.SendAsync(HttpMethod.Get, $"/api/topics/{NewTopic()}/");
        Assert.Equal(404, missing);
        Assert.Equal("Topic not found", body.GetProperty("error").GetString());
    }

    [Fact]
    public async Task Subscribers_list_who_is_subscribed_and_how()
    {
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        await using var client = await WsClient.ConnectAsync(Server.WsUri, o => o.SetRequestHeader("User-Agent", "probe/1.0"));
        await client.SubscribeAsync(topic, "subscriber1");
        var (status, body) = await Server.SendAsync(HttpMethod.Get, $"/api/topics/{topic}/subscribers/");
        Assert.Equal(200, status);
        Assert.Equal(topic, body.GetProperty("topic").GetString());
        Assert.Equal(1, body.GetProperty("subscribers_count").GetInt32());
        var s = body.GetProperty("subscribers")[0];
        Assert.Equal("subscriber1", s.GetProperty("client_id").GetString());
        Assert.Equal("ws", s.GetProperty("transport").GetString());
        Assert.Equal("127.0.0.1", s.GetProperty("client_ip").GetString());
        Assert.Equal("probe/1.0", s.GetProperty("user_agent").GetString());
        Assert.StartsWith("ws-", s.GetProperty("connection_id").GetString());
        Assert.Equal(JsonValueKind.String, s.GetProperty("subscribed_at").ValueKind);

        (status, _) = await Server.SendAsync(HttpMethod.Get, $"/api/topics/{NewTopic()}/subscribers/");
        Assert.Equal(404, status);
    }

    [Fact]
    public async Task Messages_are_paged_newest_first()
    {
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        for (var i = 1; i <= 12; i++)
        {
            var (s, published) = await Server.SendAsync(HttpMethod.Post, $"/api/topics/{topic}/messages/", $"{{\"payload\":{{\"i\":{i}}},\"client_id\":\"pub\"}}");
            Assert.Equal(201, s);
            Assert.Equal("published", published.GetProperty("status").GetString());
            Assert.Equal(i, published.GetProperty("seq").GetInt64());
        }

        var (status, body) = await Server.SendAsync(HttpMethod.Get, $"/api/topics/{topic}/messages/?limit=5&offset=2");
        Assert.Equal(200, status);
        Assert.Equal(topic, body.GetProperty("topic").GetString());
        Assert.Equal(12, body.GetProperty("total_count").GetInt32());
        Assert.Equal(5, body.GetProperty("limit").GetInt32());
        Assert.Equal(2, body.GetProperty("offset").GetInt32());
        var messages = body.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal([10L, 9, 8, 7, 6], messages.Select(m => m.GetProperty("seq").GetInt64()));
        Assert.Equal(10, messages[0].GetProperty("payload").GetProperty("i").GetInt32());
        Assert.Equal("pub", messages[0].GetProperty("publisher_id").GetString());
        Assert.True(Guid.TryParse(messages[0].GetProperty("id").GetString(), out _));
        Assert.Equal(JsonValueKind.String, messages[0].GetProperty("ts").ValueKind);

        (status, body) = await Server.SendAsync(HttpMethod.Get, $"/api/topics/{topic}/messages/");
        Assert.Equal(50, body.GetProperty("limit").GetInt32());
        Assert.Equal(12, body.GetProperty("messages").GetArrayLength());
    }

    /// <summary>Clients written against the seed send <c>limit=1000</c> and expect 100 messages (PROTOCOL.md §6).</summary>
    [Theory]
    [InlineData("limit=101")]
    [InlineData("limit=1000")]
    public async Task A_larger_limit_is_capped_at_100(string query)
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:History:Capacity"] = "200" });
        await server.CreateTopicAsync("capped");
        for (var i = 1; i <= 120; i++)
        {
            await server.Broker.PublishAsync("capped", new PubSub.Core.MessageDraft(null, JsonSerializer.SerializeToUtf8Bytes(new { i }), "pub"));
        }

        var (status, body) = await server.SendAsync(HttpMethod.Get, $"/api/topics/capped/messages/?{query}");
        Assert.Equal(200, status);
        Assert.Equal(100, body.GetProperty("limit").GetInt32());
        Assert.Equal(120, body.GetProperty("total_count").GetInt32());
        Assert.Equal(Enumerable.Range(21, 100).Reverse().Select(i => (long)i), body.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("seq").GetInt64()));
    }

    [Theory]
    [InlineData("limit=0")]
    [InlineData("limit=-1")]
    [InlineData("limit=abc")]
    [InlineData("offset=-1")]
    [InlineData("offset=1.5")]
    public async Task Bad_limit_or_offset_is_400(string query)
    {
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        var (status, body) = await Server.SendAsync(HttpMethod.Get, $"/api/topics/{topic}/messages/?{query}");
        Assert.Equal(400, status);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task Publish_over_HTTP_validates_like_the_socket()
    {
        var topic = NewTopic();
        await Server.CreateTopicAsync(topic);
        var (status, body) = await Server.SendAsync(HttpMethod.Post, $"/api/topics/{topic}/messages/", "{\"id\":\"nope\",\"payload\":1}");
        Assert.Equal(400, status);
        Assert.Contains("UUID", body.GetProperty("error").GetString());
        (status, _) = await Server.SendAsync(HttpMethod.Post, $"/api/topics/{topic}/messages/", "{\"id\":\"550e8400-e29b-41d4-a716-446655440000\"}");
        Assert.Equal(400, status);
        (status, _) = await Server.SendAsync(HttpMethod.Post, $"/api/topics/{topic}/messages/", "{\"payload\":");
        Assert.Equal(400, status);
        (status, body) = await Server.SendAsync(HttpMethod.Post, $"/api/topics/{NewTopic()}/messages/", "{\"payload\":1}");
        Assert.Equal(404, status);
        Assert.Equal("Topic not found", body.GetProperty("error").GetString());
        (status, body) = await Server.SendAsync(HttpMethod.Post, $"/api/topics/{topic}/messages/", $"{{\"payload\":\"{new string('x', 70_000)}\"}}");
        Assert.Equal(413, status);
        Assert.Contains("exceeds", body.GetProperty("error").GetString());
    }

    [Theory]
    [InlineData("/nope")]
    [InlineData("/api/nope/")]
    [InlineData("/api/topics/a/b/c/d")]
    public async Task Unknown_paths_are_404_JSON(string path)
    {
        var (status, body) = await Server.SendAsync(HttpMethod.Get, path);
        Assert.Equal(404, status);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("error").GetString()));
    }

    [Theory]
    [InlineData("PUT", "/api/topics/")]
    [InlineData("DELETE", "/api/health/")]
    [InlineData("POST", "/stats")]
    [InlineData("PATCH", "/topics/x")]
    public async Task Wrong_methods_on_known_paths_are_405_JSON(string method, string path)
    {
        var (status, body) = await Server.SendAsync(new HttpMethod(method), path);
        Assert.Equal(405, status);
        Assert.Contains("not allowed", body.GetProperty("error").GetString());
    }
}
