using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Hub;

/// <summary>Graceful shutdown on the hub: queued events are flushed, then <c>Info</c> <c>server_shutdown</c>, then the close.</summary>
public sealed class HubShutdownTests
{
    [Theory]
    [InlineData(HubProtocolKind.Json)]
    [InlineData(HubProtocolKind.MessagePack)]
    public async Task Shutdown_flushes_queued_events_then_sends_server_shutdown_then_closes(HubProtocolKind protocol)
    {
        await using var server = await TestServer.StartAsync();
        await server.CreateTopicAsync("orders");
        await using var client = await HubTestClient.ConnectAsync(server, protocol);
        await client.SubscribeAsync("orders");
        for (var i = 0; i < 50; i++)
        {
            await server.Broker.PublishAsync("orders", new PubSub.Core.MessageDraft(null, "1"u8.ToArray(), "p")).Within();
        }

        await server.StopAsync();

        var calls = new List<HubCall>();
        while (calls.Count == 0 || calls[^1].Method != "Info")
        {
            calls.Add(await client.NextAsync());
        }

        Assert.Equal(Enumerable.Range(1, 50).Select(i => (long)i), calls.Where(c => c.Method == "Event").Select(c => c.Body.GetProperty("seq").GetInt64()));
        Assert.Equal("server_shutdown", calls[^1].Body.GetProperty("msg").GetString());
        Assert.Null(await client.Closed.Within()); // a normal close, not an error
    }
}
