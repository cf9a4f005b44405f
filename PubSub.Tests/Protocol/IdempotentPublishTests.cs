using System.Text.Json;
using PubSub.Server.Hosting;
using PubSub.Tests.Hub;
using PubSub.Tests.Infrastructure;
using PubSub.Tests.Protocol.Seed;
using static PubSub.Tests.Infrastructure.ServerFixture;

namespace PubSub.Tests.Protocol;

/// <summary>
/// Idempotent publishes on every door (PROTOCOL.md §2 <c>idempotency_key</c>, §6 <c>Idempotency-Key</c>, §7
/// <c>idempotencyKey</c>, §9): a repeat publishes nothing and is answered with the first publish's id and seq and
/// <c>duplicate</c>; a bad key is BAD_REQUEST; without a key nothing changes.
/// </summary>
public sealed class IdempotentPublishTests
{
    private static readonly string TooLong = new('k', 129);

    /// <summary>A /ws publish frame with <paramref name="key"/> as raw JSON (null: no field).</summary>
    internal static string PublishFrame(string topic, string? key, int n, string? requestId = "r") =>
        "{\"type\":\"publish\",\"topic\":\"" + topic + "\",\"client_id\":\"p1\","
        + (requestId is null ? "" : "\"request_id\":\"" + requestId + "\",")
        + "\"message\":{\"payload\":{\"n\":" + n + "}}"
        + (key is null ? "" : ",\"idempotency_key\":" + key)
        + "}";

    [Fact]
    public async Task Ws_standard_a_repeat_is_acked_with_the_first_id_and_seq_and_delivers_nothing()
    {
        await using var server = await TestServer.StartAsync();
        var topic = NewTopic();
        await server.CreateTopicAsync(topic);
        await using var subscriber = await server.ConnectAsync();
        await subscriber.SubscribeAsync(topic);
        await using var publisher = await server.ConnectAsync();

        await publisher.SendTextAsync(PublishFrame(topic, "\"order-42\"", 1, "first"));
        var first = await publisher.ExpectAsync("ack");
        Assert.False(first.TryGetProperty("duplicate", out _), $"a first publish's ack is as it always was: {first}");
        await publisher.SendTextAsync(PublishFrame(topic, "\"order-42\"", 2, "again"));
        var again = await publisher.ExpectAsync("ack");
        WireAssert.IsAck(again, topic, "again");
        Assert.True(again.GetProperty("duplicate").GetBoolean());
        Assert.Equal(first.GetProperty("id").GetString(), again.GetProperty("id").GetString());
        Assert.Equal(1, again.GetProperty("seq").GetInt64());

        await publisher.SendTextAsync(PublishFrame(topic, null, 3));
        Assert.Equal(2, (await publisher.ExpectAsync("ack")).GetProperty("seq").GetInt64());
        var events = new[] { await subscriber.ExpectAsync("event"), await subscriber.ExpectAsync("event") };
        Assert.Equal([1, 3], events.Select(e => e.GetProperty("message").GetProperty("payload").GetProperty("n").GetInt32()));
        await subscriber.ExpectSilenceAsync();
    }

    [Fact]
    public async Task Ws_seed_a_repeat_is_published_with_the_first_message_id_and_seq_and_delivers_nothing()
    {
        await using var server = await SeedWire.StartAsync();
        var topic = NewTopic();
        await using var subscriber = await SeedWire.ConnectClientAsync(server);
        await subscriber.SeedSubscribeAsync(topic);
        await using var publisher = await SeedWire.ConnectClientAsync(server);

        await publisher.SendTextAsync(PublishFrame(topic, "\"k\"", 1).Replace("\"message\":{", "\"message\":{\"id\":\"seed-1\",", StringComparison.Ordinal));
        var first = await publisher.ExpectAsync("published");
        await publisher.SendTextAsync(PublishFrame(topic, "\"k\"", 2).Replace("\"message\":{", "\"message\":{\"id\":\"seed-2\",", StringComparison.Ordinal));
        var again = await publisher.ExpectAsync("published");

        Assert.False(first.TryGetProperty("duplicate", out _));
        SeedAssert.IsSuccess(again, "published", topic, "p1", "r");
        Assert.True(again.GetProperty("duplicate").GetBoolean());
        Assert.Equal(("seed-1", 1L), (again.GetProperty("message_id").GetString(), again.GetProperty("seq").GetInt64()));
        Assert.Equal("seed-1", SeedAssert.IsMessage(await subscriber.ExpectAsync("message"), topic, "p1").GetProperty("id").GetString());
        await subscriber.ExpectSilenceAsync();
    }

    [Theory]
    [InlineData(WsDialect.Standard)]
    [InlineData(WsDialect.Seed)]
    public async Task Ws_a_key_that_is_empty_too_long_or_not_a_string_is_BAD_REQUEST_and_publishes_nothing(WsDialect dialect)
    {
        var wire = WireDialect.For(dialect);
        await using var server = await wire.StartAsync(new Dictionary<string, string?>());
        var topic = NewTopic();
        await WireDialect.CreateTopicAsync(server, topic);
        await using var client = await wire.ConnectAsync(server);
        foreach (var (key, says) in new[] { ("\"\"", "1 to 128"), ($"\"{TooLong}\"", "1 to 128"), ("42", "must be a string"), ("{\"k\":1}", "must be a string"), ("[\"k\"]", "must be a string") })
        {
            await client.SendTextAsync(PublishFrame(topic, key, 1, requestId: null));
            Assert.Contains("idempotency_key", wire.ErrorText(await client.ReceiveAsync(), "BAD_REQUEST", says));
        }

        Assert.Equal(0, (await server.Broker.GetTopicAsync(topic).Within())!.LastSeq);
        await client.SendTextAsync(PublishFrame(topic, $"\"{TooLong[1..]}\"", 1)); // 128 characters: accepted
        Assert.NotEqual("error", (await client.ReceiveAsync()).GetProperty("type").GetString());
    }

    [Fact]
    public async Task Ws_two_connections_publishing_one_key_at_once_store_exactly_one_message()
    {
        await using var server = await TestServer.StartAsync();
        var topic = NewTopic();
        await server.CreateTopicAsync(topic);
        var clients = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => server.ConnectAsync()));
        try
        {
            for (var round = 0; round < 20; round++)
            {
                await Task.WhenAll(clients.Select((c, i) => c.SendTextAsync(PublishFrame(topic, $"\"race-{round}\"", i)))).Within();
                var acks = await Task.WhenAll(clients.Select(c => c.ExpectAsync("ack"))).Within();
                Assert.Single(acks, a => !a.TryGetProperty("duplicate", out _));
                Assert.Equal(round + 1, Assert.Single(acks.Select(a => a.GetProperty("seq").GetInt64()).Distinct()));
            }
        }
        finally
        {
            foreach (var client in clients)
            {
                await client.DisposeAsync();
            }
        }

        Assert.Equal(20, (await server.Broker.GetTopicAsync(topic).Within())!.LastSeq);
    }

    [Fact]
    public async Task Rest_a_repeated_Idempotency_Key_is_200_with_the_first_id_and_seq_and_bad_keys_are_400()
    {
        await using var server = await TestServer.StartAsync();
        var topic = NewTopic();
        await server.CreateTopicAsync(topic);
        Task<(int Status, JsonElement Body)> Post(int n, params (string, string)[] headers) =>
            server.SendAsync(HttpMethod.Post, $"/api/topics/{topic}/messages/", JsonSerializer.Serialize(new { payload = new { n } }), headers: headers);

        var (status, first) = await Post(1, ("Idempotency-Key", "order-42"));
        Assert.Equal(201, status);
        Assert.False(first.TryGetProperty("duplicate", out _));
        var (againStatus, again) = await Post(2, ("Idempotency-Key", "order-42"));
        Assert.Equal(200, againStatus);
        Assert.Equal(("published", first.GetProperty("id").GetString(), 1L, true),
            (again.GetProperty("status").GetString(), again.GetProperty("id").GetString(), again.GetProperty("seq").GetInt64(), again.GetProperty("duplicate").GetBoolean()));

        foreach (var key in new[] { "", TooLong })
        {
            var (badStatus, bad) = await Post(3, ("Idempotency-Key", key));
            Assert.Equal(400, badStatus);
            Assert.Equal("BAD_REQUEST", bad.GetProperty("code").GetString());
            Assert.Contains("Idempotency-Key must be 1 to 128 characters", bad.GetProperty("error").GetString());
        }

        // Two header lines (HttpClient would join them into one value): which one is the key cannot be told.
        Assert.StartsWith("HTTP/1.1 400", await RawPostAsync(server, $"/api/topics/{topic}/messages/", "Idempotency-Key: a\r\nIdempotency-Key: b\r\n", "{\"payload\":3}"));

        Assert.Equal(201, (await Post(4)).Status); // no key: as ever
        var history = await server.SendAsync(HttpMethod.Get, $"/api/topics/{topic}/messages/");
        Assert.Equal([4, 1], history.Body.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("payload").GetProperty("n").GetInt32()));
    }

    private static async Task<string> RawPostAsync(TestServer server, string path, string headers, string body)
    {
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(server.BaseAddress.Host, server.BaseAddress.Port).Within();
        var stream = tcp.GetStream();
        var request = $"POST {path} HTTP/1.1\r\nHost: {server.BaseAddress.Authority}\r\n{headers}Content-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request)).AsTask().Within();
        using var reader = new StreamReader(stream);
        return await reader.ReadToEndAsync().Within();
    }

    [Theory]
    [InlineData(HubProtocolKind.Json)]
    [InlineData(HubProtocolKind.MessagePack)]
    public async Task Hub_a_repeated_idempotencyKey_returns_the_first_id_and_seq_with_duplicate_and_bad_keys_are_BAD_REQUEST(HubProtocolKind protocol)
    {
        await using var server = await TestServer.StartAsync();
        var topic = NewTopic();
        await server.CreateTopicAsync(topic);
        await using var client = await HubTestClient.ConnectAsync(server, protocol);
        Task<JsonElement> Publish(int n, object? key) =>
            client.InvokeAsync("Publish", new Dictionary<string, object?> { ["topic"] = topic, ["payload"] = n, ["idempotencyKey"] = key });

        var first = await Publish(1, "order-42");
        Assert.False(first.TryGetProperty("duplicate", out _), $"a first publish's result is as it always was: {first}");
        var again = await Publish(2, "order-42");
        Assert.True(again.GetProperty("duplicate").GetBoolean());
        Assert.Equal((first.GetProperty("id").GetString(), 1L, topic, "ok"),
            (again.GetProperty("id").GetString(), again.GetProperty("seq").GetInt64(), again.GetProperty("topic").GetString(), again.GetProperty("status").GetString()));
        Assert.False((await Publish(3, null)).TryGetProperty("duplicate", out _));

        foreach (var key in new object[] { "", TooLong, 42, new[] { "k" } })
        {
            var message = await client.InvokeFailsAsync("Publish", new Dictionary<string, object?> { ["topic"] = topic, ["payload"] = 4, ["idempotencyKey"] = key });
            Assert.StartsWith("BAD_REQUEST: idempotencyKey", message);
        }

        Assert.Equal(2, (await server.Broker.GetTopicAsync(topic).Within())!.LastSeq);
    }
}

/// <summary>Idempotent publishes across two nodes of one broker (Redis): a key used through one is known to the other.</summary>
public sealed class IdempotentPublishClusterTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [SkippableFact]
    public async Task A_key_published_on_node_A_is_a_duplicate_on_node_B_through_every_door_and_history_holds_one_message()
    {
        RedisServer.SkipUnlessAvailable();
        var nodes = await Cluster.Cluster.StartAsync(redis.Server, 2);
        try
        {
            var (a, b) = (nodes[0], nodes[1]);
            var topic = NewTopic();
            await a.CreateTopicAsync(topic);
            await using var subscriber = await b.ConnectAsync();
            await subscriber.SubscribeAsync(topic);

            await using var onA = await a.ConnectAsync();
            await onA.SendTextAsync(IdempotentPublishTests.PublishFrame(topic, "\"K\"", 1));
            var first = await onA.ExpectAsync("ack");

            await using var onB = await b.ConnectAsync();
            await onB.SendTextAsync(IdempotentPublishTests.PublishFrame(topic, "\"K\"", 2));
            var ws = await onB.ExpectAsync("ack");
            var rest = await b.SendAsync(HttpMethod.Post, $"/api/topics/{topic}/messages/", "{\"payload\":3}", headers: [("Idempotency-Key", "K")]);
            await using var hub = await HubTestClient.ConnectAsync(b, HubProtocolKind.Json);
            var viaHub = await hub.InvokeAsync("Publish", new Dictionary<string, object?> { ["topic"] = topic, ["payload"] = 4, ["idempotencyKey"] = "K" });

            Assert.Equal(200, rest.Status);
            foreach (var answer in new[] { ws, rest.Body, viaHub })
            {
                Assert.True(answer.GetProperty("duplicate").GetBoolean(), answer.ToString());
                Assert.Equal((first.GetProperty("id").GetString(), 1L), (answer.GetProperty("id").GetString(), answer.GetProperty("seq").GetInt64()));
            }

            Assert.Equal(1, WireAssert.IsEvent(await subscriber.ExpectAsync("event"), topic));
            var history = await b.SendAsync(HttpMethod.Get, $"/api/topics/{topic}/messages/");
            Assert.Equal(1, history.Body.GetProperty("total_count").GetInt32());
            await subscriber.ExpectSilenceAsync();
        }
        finally
        {
            await Cluster.Cluster.StopAsync(nodes);
        }
    }
}
