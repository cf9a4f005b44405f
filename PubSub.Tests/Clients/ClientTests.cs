using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PubSub.Client;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Clients;

/// <summary>PubSub.Client against one real server (Kestrel, real sockets): PROTOCOL.md §11.</summary>
public sealed class ClientTests
{
    [Fact]
    public async Task Subscribes_replays_and_delivers_its_own_publishes_in_order()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateTopicAsync("orders");
        var client = ClientTesting.Client([server.BaseAddress]);
        await using var clientDisposal = client.DisposeWithin();
        var first = await client.PublishAsync("orders", new { n = 1 }).Within();
        Assert.Equal(1, first.Seq);
        Assert.False(first.Duplicate);

        var subscription = await client.SubscribeAsync("orders", SubscribeFrom.Last(5)).Within();
        await using var subscriptionDisposal = subscription.DisposeWithin();
        var items = subscription.GetAsyncEnumerator(); // not disposed: see ClientTesting.NextAsync
        for (var n = 2; n <= 4; n++)
        {
            Assert.Equal(n, (await client.PublishAsync("orders", ClientTesting.Json($$"""{"n":{{n}}}""")).Within()).Seq);
        }

        var read = await items.ReadThroughAsync(4);
        Assert.Equal([1, 2, 3, 4], read.Seqs());
        Assert.Equal([1, 2, 3, 4], read.OfType<PubSubMessage>().Select(m => m.Payload.GetProperty("n").GetInt32()));
        Assert.Equal(first.Id, ((PubSubMessage)read[0]).Id);
        Assert.Equal((subscription.Position.Epoch, 4L), (((PubSubMessage)read[^1]).Epoch, subscription.Position.Seq!.Value));
    }

    [Fact]
    public async Task Server_refusals_are_typed_exceptions_with_the_code()
    {
        const string key = "client-key-0123456789abcdef";
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["PubSub:Auth:Enabled"] = "true",
            ["PubSub:Auth:Keys:0:Key"] = key,
        });
        await server.SendAsync(HttpMethod.Post, "/api/topics/create/", """{"name":"orders"}""", key);
        var client = ClientTesting.Client([server.BaseAddress], o => o.ApiKey = key);
        await using var clientDisposal = client.DisposeWithin();

        var missing = await Assert.ThrowsAsync<PubSubException>(() => client.SubscribeAsync("nope")).Within();
        Assert.Equal(PubSubErrorCodes.TopicNotFound, missing.Code);
        Assert.Contains("nope", missing.Message, StringComparison.Ordinal);
        Assert.Equal(PubSubErrorCodes.TopicNotFound, (await Assert.ThrowsAsync<PubSubException>(() => client.PublishAsync("nope", 1)).Within()).Code);

        var wrongKey = ClientTesting.Client([server.BaseAddress], o => o.ApiKey = "wrong-key-0123456789abcdef");
        await using var wrongKeyDisposal = wrongKey.DisposeWithin();
        Assert.Equal(PubSubErrorCodes.Unauthorized, (await Assert.ThrowsAsync<PubSubException>(() => wrongKey.PublishAsync("orders", 1)).Within()).Code);
        Assert.Equal(PubSubErrorCodes.Unauthorized, (await Assert.ThrowsAsync<PubSubException>(() => wrongKey.ConnectAsync()).Within()).Code);

        using var rest = new PubSubRestClient(ClientTesting.Options([server.BaseAddress]));
        Assert.Equal(PubSubErrorCodes.Unauthorized, (await Assert.ThrowsAsync<PubSubException>(() => rest.ListTopicsAsync()).Within()).Code);
    }

    [Fact]
    public async Task A_deleted_topic_is_a_notice_in_the_stream_and_ends_it()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateTopicAsync("t");
        var client = ClientTesting.Client([server.BaseAddress]);
        await using var clientDisposal = client.DisposeWithin();
        var subscription = await client.SubscribeAsync("t").Within();
        await using var subscriptionDisposal = subscription.DisposeWithin();
        var items = subscription.GetAsyncEnumerator(); // not disposed: see ClientTesting.NextAsync
        await client.PublishAsync("t", 1).Within();
        Assert.IsType<PubSubMessage>(await items.NextAsync());

        using var rest = new PubSubRestClient(ClientTesting.Options([server.BaseAddress]));
        await rest.DeleteTopicAsync("t").Within();

        Assert.Equal(new TopicDeletedNotice("t"), await items.NextAsync());
        Assert.False(await items.MoveNextAsync().AsTask().Within());
    }

    [Fact]
    public async Task A_silent_connection_is_taken_for_dead_and_the_subscription_resumes_on_a_new_one()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:Heartbeat:Interval"] = "00:00:00.200" });
        await server.CreateTopicAsync("t");
        await using var proxy = new StallingProxy(server.BaseAddress.Port);
        var silences = new List<Exception?>();
        var client = ClientTesting.Client([proxy.BaseAddress], o => o.HeartbeatTimeout = TimeSpan.FromSeconds(1));
        await using var clientDisposal = client.DisposeWithin();
        client.ConnectionChanged += (_, e) =>
        {
            lock (silences)
            {
                if (e.Url is null)
                {
                    silences.Add(e.Error);
                }
            }
        };
        var subscription = await client.SubscribeAsync("t").Within();
        await using var subscriptionDisposal = subscription.DisposeWithin();
        var items = subscription.GetAsyncEnumerator(); // not disposed: see ClientTesting.NextAsync
        Assert.Equal(201, (await server.SendAsync(HttpMethod.Post, "/api/topics/t/messages/", """{"payload":1}""")).Status);
        Assert.Equal([1], (await items.ReadThroughAsync(1)).Seqs());

        proxy.WedgeAll(); // open, silent: no close, no reset, no heartbeat gets through
        Assert.Equal(201, (await server.SendAsync(HttpMethod.Post, "/api/topics/t/messages/", """{"payload":2}""")).Status);
        Assert.Equal(201, (await server.SendAsync(HttpMethod.Post, "/api/topics/t/messages/", """{"payload":3}""")).Status);

        Assert.Equal([2, 3], (await items.ReadThroughAsync(3)).Seqs());
        Assert.Equal(2, proxy.Accepted);
        lock (silences)
        {
            Assert.IsType<TimeoutException>(Assert.Single(silences));
        }
    }

    [Fact]
    public async Task A_publish_whose_connection_was_cut_before_its_ack_is_sent_again_and_stored_once()
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateTopicAsync("t");
        await using var proxy = new StallingProxy(server.BaseAddress.Port);
        var client = ClientTesting.Client([proxy.BaseAddress]);
        await using var clientDisposal = client.DisposeWithin();
        await client.ConnectAsync().Within();

        proxy.Hold = true; // the client cannot come back until the server has the first copy
        proxy.CutAfterNextClientBytes();
        var publishing = client.PublishAsync("t", new { once = true });
        await WaitForHistoryAsync(server, "t", 1).Within();
        Assert.False(publishing.IsCompleted);
        proxy.Hold = false;

        var ack = await publishing.Within();
        Assert.Equal(1, ack.Seq);
        Assert.True(ack.Duplicate); // the server knew the key: nothing published twice
        Assert.Equal(1, await server.HistoryCountAsync("t"));
        Assert.Equal(2, proxy.Accepted);
    }

    /// <summary>Polls the topic's history until it holds <paramref name="count"/> messages (a server-side fact the test is not told of).</summary>
    private static async Task WaitForHistoryAsync(TestServer server, string topic, long count)
    {
        while (await server.HistoryCountAsync(topic) < count)
        {
            await Task.Delay(20);
        }
    }

    [Fact]
    public void AddPubSubClient_registers_both_clients_and_validates_the_options()
    {
        var services = new ServiceCollection().AddLogging().AddPubSubClient(o => o.Urls.Add(new Uri("http://127.0.0.1:1"))).BuildServiceProvider();
        Assert.NotNull(services.GetRequiredService<PubSubClient>());
        Assert.NotNull(services.GetRequiredService<PubSubRestClient>());

        var invalid = new ServiceCollection().AddLogging().AddPubSubClient(o => o.ReconnectDelay = TimeSpan.Zero).BuildServiceProvider();
        var error = Assert.Throws<OptionsValidationException>(() => invalid.GetRequiredService<PubSubClient>());
        Assert.Contains("Urls", error.Message, StringComparison.Ordinal);
        Assert.Contains("ReconnectDelay", error.Message, StringComparison.Ordinal);
    }
}
