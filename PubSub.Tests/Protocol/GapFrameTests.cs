using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PubSub.Core.Delivery;
using PubSub.Core.Engine;
using PubSub.Tests.Core;
using PubSub.Tests.Hub;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Protocol;

/// <summary>
/// PROTOCOL.md §8 <c>gap</c> and <c>epoch</c> on the wire, over a real server whose bus loses what the test names
/// (<see cref="LossyBus"/>) and whose history holds three messages: what the bus lost and history no longer holds
/// is announced, on /ws and on the hub, and delivery goes on.
/// </summary>
public sealed class GapFrameTests
{
    /// <summary>A real server whose bus loses what the test tells its <see cref="LossyBus"/> to, with a short history.</summary>
    internal static Task<TestServer> StartWithLossyBusAsync(int historyCapacity) => TestServer.StartAsync(
        new Dictionary<string, string?> { ["PubSub:History:Capacity"] = $"{historyCapacity}" },
        services =>
        {
            services.RemoveAll<ILocalFanout>();
            services.AddSingleton(sp => new LossyBus(sp.GetRequiredService<LocalFanout>()));
            services.AddSingleton<ILocalFanout>(sp => sp.GetRequiredService<LossyBus>());
        });

    [Fact]
    public async Task Ws_and_hub_subscribers_are_told_of_a_gap_with_its_range_then_get_the_rest()
    {
        await using var server = await StartWithLossyBusAsync(historyCapacity: 3);
        await server.CreateTopicAsync("t");
        await using var ws = await server.ConnectAsync();
        var ack = await ws.SubscribeAsync("t");
        Assert.False(string.IsNullOrEmpty(ack.GetProperty("epoch").GetString()));
        await using var hub = await HubTestClient.ConnectAsync(server, HubProtocolKind.Json);
        await hub.SubscribeAsync("t");

        server.Services.GetRequiredService<LossyBus>().Drop(2, 3, 4, 5, 6, 7, 8);
        for (var i = 1; i <= 10; i++)
        {
            Assert.Equal(201, (await server.SendAsync(HttpMethod.Post, "/api/topics/t/messages/", $"{{\"payload\":{i}}}")).Status);
        }

        // History holds the newest three when the repair reads it (7-9 or 8-10): the gap runs from 2 to just before them.
        Assert.Equal(1, (await ws.ExpectAsync("event")).GetProperty("seq").GetInt64());
        var gap = await ws.ExpectAsync("info");
        WireAssert.HasTypeAndTs(gap, "info");
        Assert.Equal("gap", gap.GetProperty("msg").GetString());
        Assert.Equal("t", gap.GetProperty("topic").GetString());
        Assert.Equal(2, gap.GetProperty("from_seq").GetInt64());
        var to = gap.GetProperty("to_seq").GetInt64();
        Assert.InRange(to, 6, 7);
        for (var seq = to + 1; seq <= 10; seq++)
        {
            Assert.Equal(seq, (await ws.ExpectAsync("event")).GetProperty("seq").GetInt64());
        }

        Assert.Equal(1, (await hub.ExpectAsync("Event")).GetProperty("seq").GetInt64());
        var info = await hub.ExpectAsync("Info");
        Assert.Equal("gap", info.GetProperty("msg").GetString());
        Assert.Equal("t", info.GetProperty("topic").GetString());
        Assert.Equal(2, info.GetProperty("fromSeq").GetInt64());
        var hubTo = info.GetProperty("toSeq").GetInt64();
        Assert.InRange(hubTo, 6, 7);
        Assert.Equal(hubTo + 1, (await hub.ExpectAsync("Event")).GetProperty("seq").GetInt64());
    }
}
