using System.Text.Json;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Hub;

/// <summary>
/// A hub client's <c>Stream</c> invocations share its connection's one queue budget (PROTOCOL.md §4): with the
/// .NET SignalR client behind a socket that stops reading, the events queued for the connection and all its streams
/// together stay within <c>PubSub:Queue:Capacity</c>, and overflow follows the configured policy for the connection.
/// </summary>
public sealed class HubStreamBudgetTests
{
    private const int Capacity = 10;
    private const int Streams = 5;

    /// <summary>A server with <see cref="Streams"/> streams running on one paused-able hub connection; disposes all of it.</summary>
    private sealed class StreamingClient : IAsyncDisposable
    {
        private readonly CancellationTokenSource _cancel = new(Timeouts.Long);

        public required TestServer Server { get; init; }

        public required HubTestClient Client { get; init; }

        public List<IAsyncEnumerator<object?>> Items { get; } = [];

        public List<Task<bool>> Firsts { get; } = [];

        public static async Task<StreamingClient> StartAsync(string policy)
        {
            var server = await TestServer.StartAsync(new Dictionary<string, string?>
            {
                ["PubSub:Queue:Capacity"] = Capacity.ToString(),
                ["PubSub:Queue:OverflowPolicy"] = policy,
            });
            await server.CreateTopicAsync("flood");
            var streaming = new StreamingClient { Server = server, Client = await HubTestClient.ConnectAsync(server, HubProtocolKind.Json, pausable: true) };
            for (var i = 0; i < Streams; i++)
            {
                var items = streaming.Client.Connection.StreamAsyncCore<object?>("Stream", [HubContractTests.ToRequest("""{"topic":"flood"}""")], streaming._cancel.Token);
                streaming.Items.Add(items.GetAsyncEnumerator(streaming._cancel.Token));
                streaming.Firsts.Add(streaming.Items[^1].MoveNextAsync().AsTask()); // starts the invocation
            }

            await Waits.UntilAsync(() => server.Broker.GetSubscribers("flood").Count == Streams);
            return streaming;
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                await Cleanup.RunAsync(
                    () => _cancel.CancelAsync().Within(),
                    () => Client.DisposeAsync().AsTask(),
                    () => Server.DisposeAsync().AsTask());
            }
            finally
            {
                _cancel.Dispose();
            }
        }
    }

    // What the hub connection and its streams have queued on the server.
    private static int Queued(TestServer server) =>
        server.Broker.Connections.Where(c => c.Transport == "signalr").Sum(c => c.Outbound.QueuedEvents);

    private static async Task PublishWhilePausedAsync(TestServer server, HubTestClient client, int count, Action<int>? afterEach = null)
    {
        client.Socket!.Pause();
        var payload = System.Text.Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new string('x', 100_000)));
        for (var i = 0; i < count; i++)
        {
            await server.Broker.PublishAsync("flood", new PubSub.Core.MessageDraft(null, payload, "p")).Within();
            afterEach?.Invoke(Queued(server));
        }
    }

    // The connection's next Error call, skipping events and pings, within one deadline (pings alone would keep a
    // per-call timeout from ever running out).
    private static async Task<HubCall> NextErrorAsync(HubTestClient client)
    {
        var deadline = DateTime.UtcNow + Timeouts.Long;
        HubCall call;
        do
        {
            var left = deadline - DateTime.UtcNow;
            call = await client.NextAsync(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
        }
        while (call.Method != "Error");
        return call;
    }

    [Fact]
    public async Task Slow_streams_queue_no_more_than_their_connections_budget_together_and_lose_their_oldest_with_DropOldest()
    {
        await using var streaming = await StreamingClient.StartAsync("DropOldest");
        var (server, client, items, firsts) = (streaming.Server, streaming.Client, streaming.Items, streaming.Firsts);

        const int count = 200;
        var most = 0;
        await PublishWhilePausedAsync(server, client, count, queued => most = Math.Max(most, queued));
        Assert.True(most is > 0 and <= Capacity, $"the connection and its streams held {most} events at most; its budget is {Capacity} (each stream's own would be {Streams} × {Capacity})");

        client.Socket!.Resume();
        for (var k = 0; k < Streams; k++)
        {
            // Each stream reads up to the last event: in order, with holes.
            var (stream, seqs) = (items[k], new List<long>());
            while (true)
            {
                Assert.True(await (seqs.Count == 0 ? firsts[k] : stream.MoveNextAsync().AsTask()).Within(Timeouts.Long));
                seqs.Add(HubJsonValues.ToJson(stream.Current).GetProperty("seq").GetInt64());
                if (seqs[^1] == count)
                {
                    break;
                }
            }

            Assert.True(seqs.Order().SequenceEqual(seqs), $"stream {k} out of order: {string.Join(",", seqs)}");
            Assert.True(seqs.Count < count, $"a stream got all {count} events through a paused socket");
        }

        // The drops are reported on the connection, as any subscription's are.
        var error = await NextErrorAsync(client);

        Assert.Equal("SLOW_CONSUMER", error.Body.GetProperty("code").GetString());
        Assert.Contains("dropped", error.Body.GetProperty("message").GetString());
        await HubContractTests.AssertAliveAsync(client);
    }

    [Fact]
    public async Task Slow_streams_that_overflow_their_connections_budget_close_the_connection_with_Disconnect()
    {
        await using var streaming = await StreamingClient.StartAsync("Disconnect");
        var (server, client) = (streaming.Server, streaming.Client);

        await PublishWhilePausedAsync(server, client, 200);
        client.Socket!.Resume();

        var error = await NextErrorAsync(client);

        Assert.Equal("SLOW_CONSUMER", error.Body.GetProperty("code").GetString());
        Assert.Contains("disconnecting", error.Body.GetProperty("message").GetString());
        Assert.Contains("SLOW_CONSUMER", (await client.Closed.Within(Timeouts.Long))?.Message);
        await Waits.UntilAsync(() => server.Broker.GetSubscribers("flood").Count == 0);
    }
}
