using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using PubSub.Server.Hubs;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Hub;

/// <summary>
/// The Subscribe result must reach the client before the replayed events, although SignalR writes the result
/// itself and the send loop writes the events. A filter that holds the invocation for a while after the hub
/// method returned widens the window in which the send loop could overtake the result; the order must hold.
/// </summary>
public sealed class HubOrderingTests
{
    [Theory]
    [InlineData(HubProtocolKind.Json)]
    [InlineData(HubProtocolKind.MessagePack)]
    public async Task Subscribe_result_precedes_replay_even_when_the_invocation_pipeline_is_slow(HubProtocolKind protocol)
    {
        await using var server = await TestServer.StartAsync(services: s =>
            s.Configure<HubOptions<PubSubHub>>(o => o.AddFilter(new SlowAfterInvocationFilter())));
        await server.CreateTopicAsync("orders");
        for (var i = 0; i < 5; i++)
        {
            await server.Broker.PublishAsync("orders", new PubSub.Core.MessageDraft(null, "1"u8.ToArray(), "p")).Within();
        }

        await using var client = await HubTestClient.ConnectAsync(server, protocol);
        client.ClearWire();
        await client.SubscribeAsync("orders", lastN: 5);
        for (var i = 0; i < 5; i++)
        {
            await client.ExpectAsync("Event");
        }

        Assert.Equal(["completion", "Event", "Event", "Event", "Event", "Event"], client.Wire);
    }

    private sealed class SlowAfterInvocationFilter : IHubFilter
    {
        public async ValueTask<object?> InvokeMethodAsync(HubInvocationContext invocationContext, Func<HubInvocationContext, ValueTask<object?>> next)
        {
            var result = await next(invocationContext);
            if (invocationContext.HubMethodName == "Subscribe")
            {
                await Task.Delay(200); // not synchronisation: it stretches the gap between the method's return and the result's write
            }

            return result;
        }
    }
}
