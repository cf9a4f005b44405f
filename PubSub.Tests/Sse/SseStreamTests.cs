using System.Net;
using System.Text.Json;
using PubSub.Tests.Cluster;
using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Infrastructure.ServerFixture;

namespace PubSub.Tests.Sse;

/// <summary>
/// PROTOCOL.md §10 over real Kestrel and a real HTTP client reading the stream as it arrives: the frame format, order,
/// replay and Last-Event-ID resume, the notices that end a stream, and the errors before a stream starts.
/// </summary>
public sealed class SseStreamTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private async Task<string> TopicWithAsync(int messages)
    {
        var topic = NewTopic("sse");
        await Server.CreateTopicAsync(topic);
        for (var i = 1; i <= messages; i++)
        {
            var (status, _) = await Server.PublishRestAsync(topic, new { n = i });
            Assert.Equal(201, status);
        }

        return topic;
    }

    [Theory]
    [InlineData("/api/topics/{0}/events/")]
    [InlineData("/api/topics/{0}/events")]
    [InlineData("/topics/{0}/events")]
    public async Task A_stream_starts_with_retry_and_the_subscribe_ack_then_replays_and_goes_live_in_order(string template)
    {
        var topic = await TopicWithAsync(3);
        await using var sse = await SseClient.OpenAsync(Server.BaseAddress, string.Format(System.Globalization.CultureInfo.InvariantCulture, template, topic) + "?last_n=2&client_id=reader-1");
        Assert.Equal("no-cache", sse.Response.Headers.CacheControl?.ToString());

        var ack = await sse.ExpectSubscribedAsync();
        Assert.Equal(topic, ack.GetProperty("topic").GetString());
        Assert.Equal(3, ack.GetProperty("seq").GetInt64());
        Assert.False(ack.GetProperty("gap").GetBoolean());
        var epoch = ack.GetProperty("epoch").GetString();
        Assert.False(string.IsNullOrEmpty(epoch));

        for (var i = 4; i <= 6; i++)
        {
            Assert.Equal(201, (await Server.PublishRestAsync(topic, new { n = i })).Status);
        }

        var frames = await sse.ReadUntilAsync(f => f.IsMessage && f.Seq == 6, "seq 6");
        Assert.All(frames, f => Assert.True(f.IsMessage, $"only messages expected, got {f}"));
        Assert.Equal([2L, 3, 4, 5, 6], frames.Select(f => f.Seq));
        Assert.Equal(frames.Select(f => $"{epoch}:{f.Seq}"), frames.Select(f => f.Id));
        var last = frames[^1].Json;
        Assert.Equal(topic, last.GetProperty("topic").GetString());
        Assert.Equal(6, last.GetProperty("payload").GetProperty("n").GetInt32());
        Assert.False(string.IsNullOrEmpty(last.GetProperty("id").GetString()));
        Assert.EndsWith("Z", last.GetProperty("ts").GetString());
        await sse.ExpectSilenceAsync();

        // Listed as a subscriber under its client_id, on a connection of transport sse.
        var (status, subscribers) = await Server.SendAsync(HttpMethod.Get, $"/api/topics/{topic}/subscribers/");
        Assert.Equal(200, status);
        var listed = Assert.Single(subscribers.GetProperty("subscribers").EnumerateArray());
        Assert.Equal("reader-1", listed.GetProperty("client_id").GetString());
        Assert.Equal("sse", listed.GetProperty("transport").GetString());
    }

    [Fact]
    public async Task A_payload_written_over_several_lines_arrives_as_one_data_line_with_the_same_JSON()
    {
        var topic = await TopicWithAsync(0);
        await using var sse = await SseClient.OpenAsync(Server.BaseAddress, $"/api/topics/{topic}/events/");
        await sse.ExpectSubscribedAsync();
        var (status, _) = await Server.SendAsync(HttpMethod.Post, $"/api/topics/{topic}/messages/", "{\"payload\":{\r\n  \"a\": \"x\\ny\",\n  \"b\": [1,\r 2]\n}}");
        Assert.Equal(201, status);

        var message = await sse.ReceiveNonPingAsync();
        Assert.DoesNotContain('\n', message.Data!);
        var payload = message.Json.GetProperty("payload");
        Assert.Equal("x\ny", payload.GetProperty("a").GetString());
        Assert.Equal([1, 2], payload.GetProperty("b").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public async Task Last_Event_ID_resumes_with_exactly_the_missed_messages_and_wins_over_the_query()
    {
        var topic = await TopicWithAsync(3);
        string lastId;
        await using (var first = await SseClient.OpenAsync(Server.BaseAddress, $"/api/topics/{topic}/events/?last_n=3"))
        {
            await first.ExpectSubscribedAsync();
            var seen = await first.ReadUntilAsync(f => f.IsMessage && f.Seq == 3, "seq 3");
            lastId = seen[^1].Id!;
        }

        // Published while no stream is open.
        for (var i = 4; i <= 6; i++)
        {
            Assert.Equal(201, (await Server.PublishRestAsync(topic, new { n = i })).Status);
        }

        // The query would replay the last 100 (or from seq 0): the header wins and resumes after seq 3.
        await using var resumed = await SseClient.OpenAsync(Server.BaseAddress, $"/api/topics/{topic}/events/?last_n=100", lastEventId: lastId);
        var ack = await resumed.ExpectSubscribedAsync();
        Assert.False(ack.GetProperty("gap").GetBoolean());
        var missed = await resumed.ReadUntilAsync(f => f.IsMessage && f.Seq == 6, "seq 6");
        Assert.Equal([4L, 5, 6], missed.Select(f => f.Seq));
        await resumed.ExpectSilenceAsync();

        Assert.Equal(201, (await Server.PublishRestAsync(topic, new { n = 7 })).Status);
        Assert.Equal(7, (await resumed.ReceiveNonPingAsync()).Seq);
    }

    [Fact]
    public async Task since_seq_with_epoch_in_the_query_resumes_like_Last_Event_ID()
    {
        var topic = await TopicWithAsync(5);
        await using var probe = await SseClient.OpenAsync(Server.BaseAddress, $"/api/topics/{topic}/events/");
        var epoch = (await probe.ExpectSubscribedAsync()).GetProperty("epoch").GetString();

        await using var resumed = await SseClient.OpenAsync(Server.BaseAddress, $"/api/topics/{topic}/events/?since_seq=2&epoch={epoch}");
        Assert.False((await resumed.ExpectSubscribedAsync()).GetProperty("gap").GetBoolean());
        Assert.Equal([3L, 4, 5], (await resumed.ReadUntilAsync(f => f.Seq == 5, "seq 5")).Select(f => f.Seq));
    }

    [Fact]
    public async Task A_stream_with_nothing_replayed_names_its_position_on_the_ack_so_a_resume_before_any_message_misses_none()
    {
        var topic = await TopicWithAsync(2);
        string ackId;
        await using (var first = await SseClient.OpenAsync(Server.BaseAddress, $"/api/topics/{topic}/events/"))
        {
            await first.ReceiveAsync(); // retry
            var ack = await first.ReceiveNonPingAsync();
            Assert.True(ack.IsInfo("subscribed"));
            ackId = ack.Id!;
            Assert.Equal($"{ack.Json.GetProperty("epoch").GetString()}:2", ackId);
        }

        Assert.Equal(201, (await Server.PublishRestAsync(topic, new { n = 3 })).Status);
        await using var resumed = await SseClient.OpenAsync(Server.BaseAddress, $"/api/topics/{topic}/events/", lastEventId: ackId);
        await resumed.ExpectSubscribedAsync();
        Assert.Equal(3, (await resumed.ReceiveNonPingAsync()).Seq);

        // With a replay after it, the ack has no id: a drop during the replay must resume from the replayed ones.
        await using var replaying = await SseClient.OpenAsync(Server.BaseAddress, $"/api/topics/{topic}/events/?last_n=1");
        await replaying.ReceiveAsync();
        Assert.Null((await replaying.ReceiveNonPingAsync()).Id);
    }

    [Theory]
    [InlineData("?last_n=-1", null)]
    [InlineData("?last_n=x", null)]
    [InlineData("?since_seq=1.5", null)]
    [InlineData("?last_n=1&since_seq=1", null)]
    [InlineData("?epoch=abc", null)]
    [InlineData("", "garbage")]
    [InlineData("", "abc:")]
    [InlineData("", ":5")]
    [InlineData("", "abc:-5")]
    [InlineData("", "abc:99999999999999999999")]
    public async Task A_malformed_query_or_Last_Event_ID_is_400_before_any_stream(string query, string? lastEventId)
    {
        var topic = await TopicWithAsync(0);
        var (status, client, body) = await SseClient.SendAsync(Server.BaseAddress, $"/api/topics/{topic}/events/{query}", lastEventId);
        Assert.Null(client);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("BAD_REQUEST", JsonDocument.Parse(body!).RootElement.GetProperty("code").GetString());
        Assert.DoesNotContain(Server.Broker.Connections, c => c.Transport == "sse" && c.Topics.Contains(topic));
    }

    [Fact]
    public async Task An_unknown_topic_is_404_TOPIC_NOT_FOUND_and_leaves_no_connection_behind()
    {
        var topic = NewTopic("sse-none");
        var (status, _, body) = await SseClient.SendAsync(Server.BaseAddress, $"/api/topics/{topic}/events/");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal("TOPIC_NOT_FOUND", JsonDocument.Parse(body!).RootElement.GetProperty("code").GetString());
        Assert.DoesNotContain(Server.Broker.Connections, c => c.Transport == "sse" && c.Topics.Count == 0);
    }

    [Fact]
    public async Task HEAD_answers_the_stream_headers_without_subscribing()
    {
        var topic = await TopicWithAsync(0);
        using var request = new HttpRequestMessage(HttpMethod.Head, $"/api/topics/{topic}/events/");
        using var response = await Server.Http.SendAsync(request).Within();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, Server.Broker.CountSubscribers(topic));

        using var missing = new HttpRequestMessage(HttpMethod.Head, $"/api/topics/{NewTopic("none")}/events/");
        Assert.Equal(HttpStatusCode.NotFound, (await Server.Http.SendAsync(missing).Within()).StatusCode);
    }

    [Fact]
    public async Task Deleting_the_topic_sends_topic_deleted_and_ends_the_stream()
    {
        var topic = await TopicWithAsync(1);
        await using var sse = await SseClient.OpenAsync(Server.BaseAddress, $"/api/topics/{topic}/events/?last_n=1");
        await sse.ExpectSubscribedAsync();
        Assert.Equal(1, (await sse.ReceiveNonPingAsync()).Seq);

        Assert.Equal(200, (await Server.SendAsync(HttpMethod.Delete, $"/api/topics/{topic}/")).Status);
        var rest = await sse.ReadToEndAsync();
        var last = Assert.Single(rest);
        Assert.True(last.IsInfo("topic_deleted"), $"expected topic_deleted, got {last}");
        Assert.Equal(topic, last.Json.GetProperty("topic").GetString());
        await Waits.UntilAsync(() => !Server.Broker.Connections.Any(c => c.Transport == "sse" && c.Topics.Contains(topic)));
    }

    [Fact]
    public async Task An_operator_close_is_listed_transport_sse_then_ends_the_stream_with_disconnected()
    {
        var topic = await TopicWithAsync(0);
        await using var sse = await SseClient.OpenAsync(Server.BaseAddress, $"/api/topics/{topic}/events/");
        await sse.ExpectSubscribedAsync();

        var (status, list) = await Server.SendAsync(HttpMethod.Get, "/api/connections/");
        Assert.Equal(200, status);
        var entry = Assert.Single(list.GetProperty("connections").EnumerateArray(), c => c.GetProperty("topics").EnumerateArray().Any(t => t.GetString() == topic));
        Assert.Equal("sse", entry.GetProperty("transport").GetString());
        Assert.StartsWith("sse-", entry.GetProperty("id").GetString());

        var (closed, reply) = await Server.SendAsync(HttpMethod.Delete, $"/api/connections/{entry.GetProperty("id").GetString()}/?reason=maintenance");
        Assert.Equal(200, closed);
        Assert.Equal("disconnected", reply.GetProperty("status").GetString());
        var last = Assert.Single(await sse.ReadToEndAsync());
        Assert.True(last.IsInfo("disconnected"), $"expected disconnected, got {last}");
        Assert.Contains("maintenance", last.Json.GetProperty("reason").GetString());
        var (_, after) = await Server.SendAsync(HttpMethod.Get, "/api/connections/");
        Assert.DoesNotContain(after.GetProperty("connections").EnumerateArray(), c => c.GetProperty("id").GetString() == entry.GetProperty("id").GetString());
    }
}
