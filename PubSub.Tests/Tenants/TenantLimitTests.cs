using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using PubSub.Core.Access;
using PubSub.Tests.Hub;
using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Tenants.Tenancy;

namespace PubSub.Tests.Tenants;

/// <summary>
/// What keeps one tenant from creating in or starving the others' share (PROTOCOL.md §4): create on first use needs
/// <c>manage</c> in every dialect, control requests are rate-limited per connection and per key by default, a hub
/// client's streams count against its connection, and a close is decided atomically with it. Real servers and sockets.
/// </summary>
public sealed class TenantLimitTests
{
    private const string Subscriber = "tenancy-sub-only-key-00004";

    private static Dictionary<string, string?> WithSubscriberKey(params (string Key, string? Value)[] extra) => Keys(
    [
        ("PubSub:Auth:Keys:3:Key", Subscriber),
        ("PubSub:Auth:Keys:3:Name", "subscriber"),
        ("PubSub:Auth:Keys:3:Operations:0", "subscribe"),
        ("PubSub:Auth:Keys:3:Operations:1", "publish"),
        .. extra,
    ]);

    [Fact]
    public async Task Create_on_first_use_needs_manage_on_ws_the_hub_and_REST_and_counts_to_the_key()
    {
        await using var server = await TestServer.StartAsync(WithSubscriberKey(("PubSub:AutoCreateTopics", "true")));

        await using var ws = await ConnectAsync(server, Subscriber, "sub-only");
        await ws.SendAsync(new { type = "subscribe", topic = "new-ws-sub", client_id = "s1", request_id = "r1" });
        var refused = await ws.ExpectAsync("error");
        Assert.Equal("FORBIDDEN", refused.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("manage", refused.GetProperty("error").GetProperty("message").GetString());
        await ws.PublishAsync("new-ws-pub", new { n = 1 }, requestId: "r2");
        Assert.Equal("FORBIDDEN", (await ws.ExpectAsync("error")).GetProperty("error").GetProperty("code").GetString());

        await using var hub = await HubTestClient.ConnectAsync(server, HubProtocolKind.Json, Subscriber);
        Assert.StartsWith("FORBIDDEN: ", await hub.InvokeFailsAsync("Subscribe", HubContractTests.ToRequest("""{"topic":"new-hub-sub","clientId":"c1"}""")));
        Assert.StartsWith("FORBIDDEN: ", await hub.InvokeFailsAsync("Publish", HubContractTests.ToRequest("""{"topic":"new-hub-pub","payload":1}""")));

        var (status, _) = await server.SendAsync(HttpMethod.Post, "/api/topics/new-rest-pub/messages/", """{"payload":1}""", Subscriber);
        Assert.Equal(403, status);

        foreach (var name in new[] { "new-ws-sub", "new-ws-pub", "new-hub-sub", "new-hub-pub", "new-rest-pub" })
        {
            Assert.Null(await server.Broker.GetTopicAsync(name).AsTask().Within());
        }

        // A key with manage creates on first use, and the topic is counted to it and shown as its.
        await using var manager = await ConnectAsync(server, Alpha, "alpha");
        Assert.Equal("ok", (await manager.SubscribeAsync("a-auto")).GetProperty("status").GetString());
        Assert.Equal("alpha", (await server.SendAsync(HttpMethod.Get, "/topics/a-auto", null, Admin)).Body.GetProperty("created_by").GetString());
        Assert.Equal(403, (await server.SendAsync(HttpMethod.Get, "/topics/a-auto", null, Subscriber)).Status); // no read: no details at all
    }

    [Fact]
    public async Task A_subscribe_flood_is_rate_limited_by_default_while_a_client_subscribing_to_its_topics_is_not()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateTopicAsync("flooded");
        for (var i = 0; i < 50; i++)
        {
            await server.Broker.CreateTopicAsync($"t{i}");
        }

        // An ordinary client: its 50 topics at start, acked every one.
        await using var ordinary = await server.ConnectAsync();
        for (var i = 0; i < 50; i++)
        {
            await ordinary.SendAsync(new { type = "subscribe", topic = $"t{i}", client_id = "c", request_id = i });
        }

        for (var i = 0; i < 50; i++)
        {
            Assert.Equal("ack", (await ordinary.ReceiveAsync()).GetProperty("type").GetString());
        }

        // A flood: 2,000 subscribes as fast as the socket takes them. The bucket (burst 1000, 500 a second) refuses some.
        await using var flood = await server.ConnectAsync();
        for (var i = 0; i < 2000; i++)
        {
            await flood.SendAsync(new { type = "subscribe", topic = "flooded", client_id = "f", request_id = i });
        }

        var (acks, limited) = (0, 0);
        for (var i = 0; i < 2000; i++)
        {
            var frame = await flood.ReceiveAsync();
            if (frame.GetProperty("type").GetString() == "ack")
            {
                acks++;
            }
            else
            {
                Assert.Equal("RATE_LIMITED", frame.GetProperty("error").GetProperty("code").GetString());
                limited++;
            }
        }

        Assert.InRange(acks, 1000, 1999);
        Assert.True(limited > 0, "no RATE_LIMITED in a flood of 2,000");

        // Refused, not dropped: the connection stays open and answers (a pong once the bucket refills, RATE_LIMITED before).
        await flood.SendAsync(new { type = "ping", request_id = "after" });
        Assert.Equal("after", (await flood.ReceiveAsync()).GetProperty("request_id").GetString());
    }

    [Fact]
    public async Task A_keys_control_requests_are_limited_across_its_connections()
    {
        await using var server = await TestServer.StartAsync(WithSubscriberKey(
            ("PubSub:RateLimit:KeyControlPerSecond", "1"),
            ("PubSub:RateLimit:KeyControlBurst", "60")));
        await server.Broker.CreateTopicAsync("shared");

        async Task<int> PingsAnsweredAsync(WsClient client, int count)
        {
            for (var i = 0; i < count; i++)
            {
                await client.SendAsync(new { type = "ping", request_id = i });
            }

            var answered = 0;
            for (var i = 0; i < count; i++)
            {
                answered += (await client.ReceiveAsync()).GetProperty("type").GetString() == "pong" ? 1 : 0;
            }

            return answered;
        }

        // Each connection stays far below its own bucket (1,000); together they pass the key's 60.
        await using var first = await ConnectAsync(server, Subscriber, "first");
        await using var second = await ConnectAsync(server, Subscriber, "second");
        Assert.Equal(40, await PingsAnsweredAsync(first, 40));
        Assert.InRange(await PingsAnsweredAsync(second, 40), 20, 23);

        // Another key's bucket is its own.
        await using var other = await ConnectAsync(server, Alpha, "alpha");
        Assert.Equal(40, await PingsAnsweredAsync(other, 40));
    }

    [Fact]
    public async Task A_flood_of_REST_reads_is_rate_limited_per_key_while_another_key_reads_on()
    {
        await using var server = await TestServer.StartAsync(Keys(("PubSub:RateLimit:ReadsPerSecond", "1"), ("PubSub:RateLimit:ReadBurst", "20")));
        await server.Broker.CreateTopicAsync("a1");
        await server.Broker.CreateTopicAsync("b1");

        // Every kind of read draws on the one bucket of the key: 40 of them, 10 of each, past a burst of 20.
        string[] reads = ["/api/topics/", "/api/topics/a1/", "/api/topics/a1/messages/", "/api/stats/"];
        var statuses = new List<int>();
        JsonElement refusal = default;
        for (var i = 0; i < 40; i++)
        {
            var (status, body) = await server.SendAsync(HttpMethod.Get, reads[i % reads.Length], null, Alpha);
            statuses.Add(status);
            refusal = status == 429 ? body : refusal;
        }

        Assert.InRange(statuses.Count(s => s == 200), 20, 22); // the burst, and what refilled meanwhile
        Assert.All(statuses.Where(s => s != 200), s => Assert.Equal(429, s));
        Assert.Equal("RATE_LIMITED", refusal.GetProperty("code").GetString());
        Assert.False(string.IsNullOrEmpty(refusal.GetProperty("error").GetString()));

        // Another key's reads are its own; probes are never limited.
        foreach (var path in new[] { "/api/topics/", "/api/topics/b1/", "/api/topics/b1/messages/", "/api/stats/" })
        {
            Assert.Equal(200, (await server.SendAsync(HttpMethod.Get, path, null, Beta)).Status);
        }

        Assert.Equal(200, (await server.SendAsync(HttpMethod.Get, "/health", null, Alpha)).Status);
    }

    [Fact]
    public async Task Two_thousand_Stream_invocations_on_one_hub_connection_are_capped_by_its_subscription_limit()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:Limits:MaxSubscriptionsPerConnection"] = "50" });
        await server.CreateTopicAsync("streamed");
        await using var hub = await HubTestClient.ConnectAsync(server, HubProtocolKind.Json);
        var before = server.Broker.Connections.Count;

        using var cts = new CancellationTokenSource(Timeouts.Long);
        var streams = Enumerable.Range(0, 2000)
            .Select(_ => hub.Connection.StreamAsyncCore<object>("Stream", [HubContractTests.ToRequest("""{"topic":"streamed"}""")], cts.Token).GetAsyncEnumerator(cts.Token))
            .ToList();
        var firsts = streams.Select(s => s.MoveNextAsync().AsTask()).ToList();

        // Refusals come back at once; the streams that run wait for an event.
        await Waits.UntilAsync(() => firsts.Count(t => t.IsFaulted) == 1950, Timeouts.Long);
        var errors = firsts.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException!.Message).ToList();
        Assert.All(errors, e => Assert.Matches("^(LIMIT_EXCEEDED|RATE_LIMITED): ", e));
        Assert.Contains(errors, e => e.StartsWith("LIMIT_EXCEEDED: ", StringComparison.Ordinal));
        Assert.InRange(server.Broker.Connections.Count - before, 0, 50);

        // An admitted stream holds its place before its subscribe has run: wait for the 50 subscriptions themselves.
        await Waits.UntilAsync(() => server.Broker.GetSubscribers("streamed").Count == 50, Timeouts.Long);
        Assert.Equal(50, server.Broker.GetSubscribers("streamed").Count);

        // The 50 that run are real subscriptions, and the connection's own subscribe is refused: the budget is spent.
        Assert.Equal(201, (await server.SendAsync(HttpMethod.Post, "/api/topics/streamed/messages/", """{"payload":{"n":1}}""")).Status);
        Assert.True((await Task.WhenAll(firsts.Where(t => !t.IsFaulted))).All(moved => moved));
        await cts.CancelAsync();
        await Waits.UntilAsync(() => server.Broker.GetSubscribers("streamed").Count == 0);
        foreach (var stream in streams)
        {
            await stream.DisposeAsync().Within();
        }
    }

    [Fact]
    public async Task A_Stream_that_ends_gives_its_place_back()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:Limits:MaxSubscriptionsPerConnection"] = "3" });
        await server.CreateTopicAsync("streamed");
        await using var hub = await HubTestClient.ConnectAsync(server, HubProtocolKind.Json);
        IAsyncEnumerator<object> Open(CancellationToken token) =>
            hub.Connection.StreamAsyncCore<object>("Stream", [HubContractTests.ToRequest("""{"topic":"streamed"}""")], token).GetAsyncEnumerator(token);

        using var first = new CancellationTokenSource(Timeouts.Long);
        using var rest = new CancellationTokenSource(Timeouts.Long);
        var running = new[] { Open(first.Token), Open(rest.Token), Open(rest.Token) };
        var moves = running.Select(s => s.MoveNextAsync().AsTask()).ToList();
        await Waits.UntilAsync(() => server.Broker.GetSubscribers("streamed").Count == 3);
        var refused = await Assert.ThrowsAsync<HubException>(() => Open(rest.Token).MoveNextAsync().AsTask().Within());
        Assert.StartsWith("LIMIT_EXCEEDED: ", refused.Message);
        Assert.Contains("MaxSubscriptionsPerConnection", refused.Message);

        // Cancelled: its place is free for the next stream, which runs and gets events.
        await first.CancelAsync();
        await Waits.UntilAsync(() => server.Broker.GetSubscribers("streamed").Count == 2);
        var next = Open(rest.Token);
        var nextMove = next.MoveNextAsync().AsTask();
        await Waits.UntilAsync(() => server.Broker.GetSubscribers("streamed").Count == 3);
        Assert.Equal(201, (await server.SendAsync(HttpMethod.Post, "/api/topics/streamed/messages/", """{"payload":{"n":1}}""")).Status);
        Assert.True(await nextMove.Within());

        await rest.CancelAsync();
        await Waits.UntilAsync(() => server.Broker.GetSubscribers("streamed").Count == 0);
    }

    [Fact]
    public async Task A_subscribe_made_while_a_scoped_close_is_being_decided_is_refused_or_the_close_is()
    {
        // The authorizer starts a subscribe to b1 while the close is being decided, and gives it a moment to land. Decided
        // atomically, the subscribe waits for the close and is refused; a check made apart from the close would let it in.
        RacingAuthorizer? racing = null;
        await using var server = await TestServer.StartAsync(Keys(), services => services.AddSingleton<IPubSubAuthorizer>(sp =>
            racing = new RacingAuthorizer(ActivatorUtilities.CreateInstance<PubSub.Server.Auth.ApiKeyAuthorizer>(sp))));
        await server.Broker.CreateTopicAsync("a1");
        await server.Broker.CreateTopicAsync("b1");
        var alpha = racing!.Authenticate(Alpha, "test")!;
        var connection = server.Broker.Connect("ws");
        await server.Broker.SubscribeAsync(connection, "a1", "c").AsTask().Within();

        racing.DuringCheck = () => server.Broker.SubscribeAsync(connection, "b1", "c").AsTask();
        var outcome = server.Broker.CloseConnection(connection.Id, "race", alpha);
        var subscribed = await racing.Raced!.ContinueWith(t => t.IsCompletedSuccessfully).Within();

        Assert.True(outcome); // a1 was all there was when it was decided
        Assert.False(subscribed, "the subscribe to b1 got in while a key that may not manage b1 closed the connection");
        server.Broker.Disconnect(connection);
    }

    /// <summary>The server's authorizer, which runs <see cref="DuringCheck"/> once, on another thread, inside the first manage check.</summary>
    private sealed class RacingAuthorizer(IPubSubAuthorizer inner) : IPubSubAuthorizer
    {
        private Func<Task>? _duringCheck;

        public Func<Task>? DuringCheck
        {
            set => _duringCheck = value;
        }

        public Task? Raced { get; private set; }

        public bool Enabled => inner.Enabled;

        public System.Security.Claims.ClaimsPrincipal? Authenticate(string presented, string authenticationType) => inner.Authenticate(presented, authenticationType);

        public bool IsKnown(System.Security.Claims.ClaimsPrincipal? user) => inner.IsKnown(user);

        public bool CanSee(System.Security.Claims.ClaimsPrincipal? user, string topic) => inner.CanSee(user, topic);

        public bool IsAllowed(System.Security.Claims.ClaimsPrincipal? user, PubSubOperation operation, string? topic)
        {
            if (operation == PubSubOperation.Manage && Interlocked.Exchange(ref _duringCheck, null) is { } race)
            {
                // A thread of its own: the pool may be slow to add one while this one blocks.
                Raced = Task.Factory.StartNew(race, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

                // The window a check made apart from the close leaves open: the subscribe lands in it unless the lock holds it.
                ((IAsyncResult)Raced).AsyncWaitHandle.WaitOne(TimeSpan.FromMilliseconds(500));
            }

            return inner.IsAllowed(user, operation, topic);
        }
    }
}
