using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Hub;

/// <summary>
/// PROTOCOL.md §7 with the .NET SignalR client: every method, result shape and error code, frame order after
/// Subscribe, Stream, topic deletion. Runs once per hub protocol (the derived classes below).
/// Over 400 lines because it is one contract, run whole per protocol; each test reads on its own.
/// </summary>
public abstract class HubContractTests(HubProtocolKind protocol)
{
    protected HubProtocolKind Protocol { get; } = protocol;

    private Task<HubTestClient> ConnectAsync(TestServer server) => HubTestClient.ConnectAsync(server, Protocol);

    private static Dictionary<string, object?> Payload(int n) => new() { ["n"] = n, ["nested"] = new Dictionary<string, object?> { ["ok"] = true } };

    [Fact]
    public async Task Ping_returns_a_timestamp()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await ConnectAsync(server);

        var result = await client.InvokeAsync("Ping");

        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", result.GetProperty("ts").GetString());
    }

    [Fact]
    public async Task ListTopics_returns_name_subscribers_and_createdAt()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateTopicAsync("alpha");
        await server.CreateTopicAsync("beta");
        await using var client = await ConnectAsync(server);
        await client.SubscribeAsync("beta");

        var topics = await client.InvokeAsync("ListTopics");

        Assert.Equal(JsonValueKind.Array, topics.ValueKind);
        var items = topics.EnumerateArray().ToList();
        Assert.Equal(["alpha", "beta"], items.Select(t => t.GetProperty("name").GetString()));
        Assert.Equal([0, 1], items.Select(t => t.GetProperty("subscribers").GetInt32()));
        Assert.All(items, t => Assert.EndsWith("Z", t.GetProperty("createdAt").GetString()));
    }

    [Fact]
    public async Task Publish_returns_topic_status_id_and_seq()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateTopicAsync("orders");
        await using var client = await ConnectAsync(server);
        var id = Guid.NewGuid().ToString();

        var first = await client.PublishAsync("orders", Payload(1), id);
        var second = await client.PublishAsync("orders", Payload(2));

        Assert.Equal("orders", first.GetProperty("topic").GetString());
        Assert.Equal("ok", first.GetProperty("status").GetString());
        Assert.Equal(id, first.GetProperty("id").GetString());
        Assert.Equal(1, first.GetProperty("seq").GetInt64());
        Assert.True(Guid.TryParse(second.GetProperty("id").GetString(), out _), "the server assigns a UUID when id is absent");
        Assert.Equal(2, second.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task Subscribe_result_comes_before_the_replay_which_comes_before_live_events()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateTopicAsync("orders");
        await using var publisher = await ConnectAsync(server);
        for (var i = 1; i <= 5; i++)
        {
            await publisher.PublishAsync("orders", Payload(i));
        }

        await using var subscriber = await ConnectAsync(server);
        subscriber.ClearWire();
        var result = await subscriber.SubscribeAsync("orders", lastN: 3);
        await publisher.PublishAsync("orders", Payload(6));

        Assert.Equal("orders", result.GetProperty("topic").GetString());
        Assert.Equal("ok", result.GetProperty("status").GetString());
        Assert.Equal(5, result.GetProperty("seq").GetInt64());
        Assert.False(result.GetProperty("gap").GetBoolean());
        var seqs = new List<long>();
        for (var i = 0; i < 4; i++)
        {
            var e = await subscriber.ExpectAsync("Event");
            seqs.Add(e.GetProperty("seq").GetInt64());
        }

        Assert.Equal([3, 4, 5, 6], seqs);
        Assert.Equal(["completion", "Event", "Event", "Event", "Event"], subscriber.Wire);
    }

    [Fact]
    public async Task Subscribe_result_precedes_replay_under_concurrent_publishing()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:Queue:Capacity"] = "100000" });
        await server.CreateTopicAsync("busy");
        for (var i = 1; i <= 50; i++)
        {
            await server.Broker.PublishAsync("busy", new PubSub.Core.MessageDraft(null, "1"u8.ToArray(), "p")).Within();
        }

        using var stop = new CancellationTokenSource();
        var publishing = Task.Run(async () =>
        {
            // A steady stream of publishes racing each Subscribe (a pause now and then, to leave the CPU to the test).
            for (var i = 0; !stop.IsCancellationRequested && i < 50_000; i++)
            {
                await server.Broker.PublishAsync("busy", new PubSub.Core.MessageDraft(null, "2"u8.ToArray(), "p"));
                if (i % 10 == 0)
                {
                    await Task.Delay(1);
                }
            }
        });
        try
        {
            for (var round = 0; round < 5; round++)
            {
                await using var subscriber = await ConnectAsync(server);
                subscriber.ClearWire();
                var result = await subscriber.SubscribeAsync("busy", lastN: 20);
                var latest = result.GetProperty("seq").GetInt64();
                var expected = latest - 19;
                for (var i = 0; i < 30; i++)
                {
                    var e = await subscriber.ExpectAsync("Event");
                    Assert.Equal(expected++, e.GetProperty("seq").GetInt64()); // no gap, no duplicate across replay → live
                }

                Assert.Equal("completion", subscriber.Wire[0]);
            }
        }
        finally
        {
            stop.Cancel();
            await publishing.Within();
        }
    }

    [Fact]
    public async Task Subscribe_sinceSeq_replays_what_follows_and_reports_a_gap_when_history_is_lost()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:History:Capacity"] = "3" });
        await server.CreateTopicAsync("orders");
        await using var client = await ConnectAsync(server);
        for (var i = 1; i <= 6; i++)
        {
            await client.PublishAsync("orders", Payload(i));
        }

        var resumed = await client.SubscribeAsync("orders", sinceSeq: 4);
        Assert.False(resumed.GetProperty("gap").GetBoolean());
        Assert.Equal(6, resumed.GetProperty("seq").GetInt64());
        Assert.Equal(5, (await client.ExpectAsync("Event")).GetProperty("seq").GetInt64());
        Assert.Equal(6, (await client.ExpectAsync("Event")).GetProperty("seq").GetInt64());

        await using var late = await ConnectAsync(server);
        var gap = await late.SubscribeAsync("orders", sinceSeq: 1);
        Assert.True(gap.GetProperty("gap").GetBoolean());
        var replayed = new List<long>();
        for (var i = 0; i < 3; i++)
        {
            replayed.Add((await late.ExpectAsync("Event")).GetProperty("seq").GetInt64());
        }

        Assert.Equal([4, 5, 6], replayed);
        await late.ExpectSilenceAsync();
    }

    [Fact]
    public async Task Event_carries_topic_id_seq_payload_and_ts_for_every_json_payload_kind()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateTopicAsync("kinds");
        await using var client = await ConnectAsync(server);
        await client.SubscribeAsync("kinds");
        object?[] payloads =
        [
            new Dictionary<string, object?> { ["order_id"] = "ORD-1", ["amount"] = 99.5, ["tags"] = new object?[] { "a", 1, null, false } },
            new object?[] { 1, 2, 3 },
            "text",
            42,
            true,
            null,
        ];
        var ids = new List<string>();
        foreach (var payload in payloads)
        {
            ids.Add((await client.PublishAsync("kinds", payload)).GetProperty("id").GetString()!);
        }

        for (var i = 0; i < payloads.Length; i++)
        {
            var e = await client.ExpectAsync("Event");
            Assert.Equal("kinds", e.GetProperty("topic").GetString());
            Assert.Equal(ids[i], e.GetProperty("id").GetString());
            Assert.Equal(i + 1, e.GetProperty("seq").GetInt64());
            Assert.EndsWith("Z", e.GetProperty("ts").GetString());
            Assert.Equal(JsonSerializer.Serialize(payloads[i]), e.GetProperty("payload").GetRawText());
        }
    }

    [Fact]
    public async Task Subscribing_twice_keeps_one_subscription()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateTopicAsync("orders");
        await using var client = await ConnectAsync(server);
        await client.SubscribeAsync("orders");
        await client.SubscribeAsync("orders");

        await client.PublishAsync("orders", Payload(1));

        await client.ExpectAsync("Event");
        await client.ExpectSilenceAsync();
        Assert.Single(server.Broker.GetSubscribers("orders"));
        Assert.Equal("signalr", server.Broker.GetSubscribers("orders")[0].Transport);
    }

    [Fact]
    public async Task Unsubscribe_returns_topic_and_status_and_no_event_follows()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateTopicAsync("orders");
        await using var client = await ConnectAsync(server);
        await client.SubscribeAsync("orders");
        for (var i = 0; i < 20; i++)
        {
            await server.Broker.PublishAsync("orders", new PubSub.Core.MessageDraft(null, "1"u8.ToArray(), "p")).Within();
        }

        var result = await client.InvokeAsync("Unsubscribe", new Dictionary<string, object?> { ["topic"] = "orders", ["clientId"] = "c1" });
        var wire = client.Wire;
        await client.PublishAsync("orders", Payload(2));

        Assert.Equal("orders", result.GetProperty("topic").GetString());
        Assert.Equal("ok", result.GetProperty("status").GetString());
        Assert.Equal("completion", wire[^1]); // every event queued before the unsubscribe came before its result
        Assert.Equal(20, wire.Count(w => w == "Event"));
        Assert.Empty(server.Broker.GetSubscribers("orders"));
    }

    [Theory]
    [InlineData("Subscribe", """{"topic":"nope","clientId":"c1"}""", "TOPIC_NOT_FOUND: topic 'nope' does not exist")]
    [InlineData("Publish", """{"topic":"nope","payload":1}""", "TOPIC_NOT_FOUND: topic 'nope' does not exist")]
    [InlineData("Unsubscribe", """{"topic":"nope","clientId":"c1"}""", "TOPIC_NOT_FOUND: topic 'nope' does not exist")]
    [InlineData("Stream", """{"topic":"nope"}""", "TOPIC_NOT_FOUND: topic 'nope' does not exist")]
    [InlineData("Subscribe", """{"topic":"bad topic!","clientId":"c1"}""", "BAD_REQUEST: invalid topic name")]
    [InlineData("Subscribe", """{"clientId":"c1"}""", "BAD_REQUEST: topic is required")]
    [InlineData("Subscribe", """{"topic":"orders"}""", "BAD_REQUEST: clientId is required")]
    [InlineData("Unsubscribe", """{"topic":"orders","clientId":""}""", "BAD_REQUEST: clientId is required")]
    [InlineData("Subscribe", """{"topic":"orders","clientId":"c1","lastN":-1}""", "BAD_REQUEST: lastN must be a non-negative integer")]
    [InlineData("Subscribe", """{"topic":"orders","clientId":"c1","lastN":"5"}""", "BAD_REQUEST: lastN must be a non-negative integer")]
    [InlineData("Subscribe", """{"topic":"orders","clientId":"c1","lastN":1,"sinceSeq":1}""", "BAD_REQUEST: send either lastN or sinceSeq")]
    [InlineData("Stream", """{"topic":"orders","sinceSeq":-3}""", "BAD_REQUEST: sinceSeq must be a non-negative integer")]
    [InlineData("Publish", """{"topic":"orders","id":"not-a-uuid","payload":1}""", "BAD_REQUEST: message.id must be a UUID")]
    [InlineData("Publish", """{"topic":"orders","id":7,"payload":1}""", "BAD_REQUEST: id must be a UUID string")]
    [InlineData("Publish", """{"topic":"orders"}""", "BAD_REQUEST: payload is required")]
    [InlineData("Publish", """ "orders" """, "BAD_REQUEST: the request must be an object")]
    public async Task A_failed_invocation_throws_a_HubException_that_starts_with_the_code(string method, string request, string expected)
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateTopicAsync("orders");
        await using var client = await ConnectAsync(server);

        var message = method == "Stream"
            ? await StreamFailsAsync(client, request)
            : await client.InvokeFailsAsync(method, ToRequest(request));

        Assert.StartsWith(expected, message);
        await AssertAliveAsync(client); // the connection survives
    }

    [Fact]
    public async Task SignalR_level_failures_carry_a_code_too()
    {
        await using var server = await TestServer.StartAsync();
        await using var client = await ConnectAsync(server);

        Assert.StartsWith("BAD_REQUEST: ", await client.InvokeFailsAsync("NoSuchMethod", new Dictionary<string, object?>()));
        var noArgument = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(() => client.Connection.InvokeCoreAsync<object>("Subscribe", []).Within());
        Assert.StartsWith("BAD_REQUEST: ", noArgument.Message);
    }

    [Fact]
    public async Task Stream_replays_then_goes_live_and_cancelling_it_removes_its_subscription()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateTopicAsync("orders");
        await using var client = await ConnectAsync(server);
        for (var i = 1; i <= 3; i++)
        {
            await client.PublishAsync("orders", Payload(i));
        }

        using var cts = new CancellationTokenSource(Timeouts.Long);
        var stream = client.Connection.StreamAsyncCore<object>("Stream", [ToRequest("""{"topic":"orders","lastN":2}""")], cts.Token);
        var items = stream.GetAsyncEnumerator(cts.Token);
        await using var itemsDisposal = items.DisposeWithin();
        var seqs = new List<long>();
        for (var i = 0; i < 2; i++)
        {
            Assert.True(await items.MoveNextAsync().AsTask().Within());
            seqs.Add(HubJsonValues.ToJson(items.Current).GetProperty("seq").GetInt64());
        }

        await client.PublishAsync("orders", Payload(4));
        Assert.True(await items.MoveNextAsync().AsTask().Within());
        var live = HubJsonValues.ToJson(items.Current);
        seqs.Add(live.GetProperty("seq").GetInt64());
        Assert.Equal([2, 3, 4], seqs);
        Assert.Equal("orders", live.GetProperty("topic").GetString());
        Assert.Equal(4, live.GetProperty("payload").GetProperty("n").GetInt32());
        Assert.Single(server.Broker.GetSubscribers("orders"));

        await cts.CancelAsync();
        await WaitUntilAsync(() => server.Broker.GetSubscribers("orders").Count == 0);
        await AssertAliveAsync(client);
    }

    [Fact]
    public async Task Topic_deletion_sends_Info_ends_streams_and_removes_subscriptions()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateTopicAsync("doomed");
        await using var client = await ConnectAsync(server);
        await client.SubscribeAsync("doomed");
        var stream = client.Connection.StreamAsyncCore<object>("Stream", [ToRequest("""{"topic":"doomed"}""")]);
        var drained = Task.Run(async () =>
        {
            var count = 0;
            await foreach (var _ in stream)
            {
                count++;
            }

            return count;
        });
        await WaitUntilAsync(() => server.Broker.GetSubscribers("doomed").Count == 2);

        var (status, _) = await server.SendAsync(HttpMethod.Delete, "/api/topics/doomed/");

        Assert.Equal(200, status);
        var info = await client.ExpectAsync("Info");
        Assert.Equal("topic_deleted", info.GetProperty("msg").GetString());
        Assert.Equal("doomed", info.GetProperty("topic").GetString());
        Assert.EndsWith("Z", info.GetProperty("ts").GetString());
        Assert.Equal(0, await drained.Within()); // the stream completed normally
        Assert.Empty(server.Broker.GetSubscribers("doomed"));
        await server.CreateTopicAsync("doomed");
        await server.Broker.PublishAsync("doomed", new PubSub.Core.MessageDraft(null, "1"u8.ToArray(), "p")).Within();
        await client.ExpectSilenceAsync(); // the subscription went with the topic; the connection stays
        await AssertAliveAsync(client);
    }

    [Fact]
    public async Task Heartbeat_arrives_as_Info_ping()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:Heartbeat:Interval"] = "00:00:00.200" });
        await using var client = await ConnectAsync(server);

        var info = await client.ExpectAsync("Info");

        Assert.Equal("ping", info.GetProperty("msg").GetString());
        Assert.False(info.TryGetProperty("topic", out var topic) && topic.ValueKind != JsonValueKind.Null);
    }

    [Fact]
    public async Task Slow_consumer_with_DropOldest_gets_an_Error_and_the_newest_events()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:Queue:Capacity"] = "10" });
        await server.CreateTopicAsync("flood");
        await using var fast = await ConnectAsync(server);
        await fast.SubscribeAsync("flood", clientId: "fast");
        await using var slow = await HubTestClient.ConnectAsync(server, Protocol, pausable: true);
        await slow.SubscribeAsync("flood", clientId: "slow");
        slow.Socket!.Pause();

        // Paced by the fast subscriber: each publish waits until it has its event, so only the paused one falls behind.
        const int count = 200;
        var payload = LargePayload();
        var fastSeqs = new List<long>();
        for (var i = 0; i < count; i++)
        {
            await server.Broker.PublishAsync("flood", new PubSub.Core.MessageDraft(null, payload, "p")).Within();
            fastSeqs.Add((await fast.ExpectAsync("Event")).GetProperty("seq").GetInt64());
        }

        slow.Socket.Resume();
        var seqs = new List<long>();
        JsonElement? error = null;
        while (seqs.LastOrDefault() != count)
        {
            var call = await slow.NextAsync(Timeouts.Long);
            if (call.Method == "Error")
            {
                error = call.Body;
            }
            else
            {
                seqs.Add(call.Body.GetProperty("seq").GetInt64());
            }
        }

        Assert.Equal(Enumerable.Range(1, count).Select(i => (long)i), fastSeqs); // the fast subscriber lost nothing
        Assert.NotNull(error);
        Assert.Equal("SLOW_CONSUMER", error.Value.GetProperty("code").GetString());
        Assert.Contains("dropped", error.Value.GetProperty("message").GetString());
        Assert.True(seqs.Count < count, $"expected drops, got {seqs.Count} events");
        Assert.Equal(seqs.Order(), seqs); // still in seq order, gaps visible
        Assert.True(server.Broker.GetConnectionStats().Sum(c => c.Dropped) > 0);
    }

    [Fact]
    public async Task Slow_consumer_with_Disconnect_gets_an_Error_and_is_closed()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["PubSub:Queue:Capacity"] = "10",
            ["PubSub:Queue:OverflowPolicy"] = "Disconnect",
        });
        await server.CreateTopicAsync("flood");
        await using var slow = await HubTestClient.ConnectAsync(server, Protocol, pausable: true);
        await slow.SubscribeAsync("flood", clientId: "slow");
        slow.Socket!.Pause();

        await PublishLargeAsync(server, "flood", 200);
        slow.Socket.Resume();

        JsonElement error;
        while (true)
        {
            var call = await slow.NextAsync(Timeouts.Long);
            if (call.Method == "Error")
            {
                error = call.Body;
                break;
            }
        }

        Assert.Equal("SLOW_CONSUMER", error.GetProperty("code").GetString());
        Assert.Contains("disconnecting", error.GetProperty("message").GetString());
        var closedWith = await slow.Closed.Within(Timeouts.Long);
        Assert.Contains("SLOW_CONSUMER", closedWith?.Message);
    }

    internal static async Task PublishLargeAsync(TestServer server, string topic, int count)
    {
        // Large payloads fill the socket buffers quickly, so the server's writes block and the queue overflows.
        var payload = LargePayload();
        for (var i = 0; i < count; i++)
        {
            await server.Broker.PublishAsync(topic, new PubSub.Core.MessageDraft(null, payload, "p")).Within();
        }
    }

    private static byte[] LargePayload() => System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new string('x', 100_000)));

    internal static async Task AssertAliveAsync(HubTestClient client) =>
        Assert.True((await client.InvokeAsync("Ping")).TryGetProperty("ts", out _));

    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var cts = new CancellationTokenSource(Timeouts.Short);
        while (!condition())
        {
            await Task.Delay(20, cts.Token); // polling a server-side count; bounded by the timeout
        }
    }

    private static async Task<string> StreamFailsAsync(HubTestClient client, string request)
    {
        var ex = await Assert.ThrowsAsync<Microsoft.AspNetCore.SignalR.HubException>(async () =>
        {
            await foreach (var _ in client.Connection.StreamAsyncCore<object>("Stream", [ToRequest(request)]).WithCancellation(new CancellationTokenSource(Timeouts.Short).Token))
            {
            }
        });
        return ex.Message;
    }

    /// <summary>A request written as JSON text, as an object both protocols serialize (dictionaries, arrays, primitives).</summary>
    internal static object? ToRequest(string json) => FromJson(JsonDocument.Parse(json).RootElement);

    private static object? FromJson(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => e.EnumerateObject().ToDictionary(p => p.Name, p => FromJson(p.Value)),
        JsonValueKind.Array => e.EnumerateArray().Select(FromJson).ToArray(),
        JsonValueKind.String => e.GetString(),
        JsonValueKind.Number => e.TryGetInt64(out var l) ? l : e.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };
}

public sealed class JsonHubContractTests() : HubContractTests(HubProtocolKind.Json);

public sealed class MessagePackHubContractTests() : HubContractTests(HubProtocolKind.MessagePack);
