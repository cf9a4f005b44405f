using Microsoft.Extensions.DependencyInjection;
using PubSub.Core.Engine;
using PubSub.Tests.Cluster;
using PubSub.Tests.Hub;
using PubSub.Tests.Infrastructure;
using PubSub.Tests.Protocol.Seed;
using static PubSub.Tests.Infrastructure.ServerFixture;

namespace PubSub.Tests.Protocol;

/// <summary>
/// PROTOCOL.md §8 <c>reset</c> on every transport: when the engine moves a topic to a new epoch (the store lost acked
/// messages), each subscriber is told once, with the new epoch and the seq after which delivery goes on, and then gets
/// what follows. The move itself is the engine's (contract tests, Redis fault tests); here it is asked of the engine
/// directly, so each transport's frame is what is under test.
/// </summary>
public sealed class ResetNoticeTests
{
    [Fact]
    public async Task Standard_ws_subscribers_get_info_reset_then_the_new_epochs_messages()
    {
        await using var server = await TestServer.StartAsync();
        var topic = NewTopic();
        await server.CreateTopicAsync(topic);
        await using var subscriber = await server.ConnectAsync();
        await subscriber.SubscribeAsync(topic);
        var (epoch, reset) = await PublishTwoAndResetAsync(server, topic);

        Assert.Equal([1, 2], (await subscriber.ReadEventsThroughAsync(2)).EventSeqs());
        var info = await subscriber.ExpectAsync("info");
        Assert.Equal(("reset", topic, reset.Epoch, 1L), (info.GetProperty("msg").GetString(), info.GetProperty("topic").GetString(), info.GetProperty("epoch").GetString(), info.GetProperty("seq").GetInt64()));
        Assert.NotEqual(epoch, reset.Epoch);
        Assert.True(info.TryGetProperty("ts", out _));
        var again = await subscriber.ExpectAsync("event"); // seq 2 is of the new epoch now, and follows the reset
        Assert.Equal(2, again.GetProperty("seq").GetInt64());
    }

    [Fact]
    public async Task Seed_dialect_subscribers_get_the_same_info_reset()
    {
        await using var server = await SeedWire.StartAsync();
        var topic = NewTopic();
        await server.CreateTopicAsync(topic);
        await using var subscriber = await SeedWire.ConnectClientAsync(server);
        await subscriber.SeedSubscribeAsync(topic);
        var (_, reset) = await PublishTwoAndResetAsync(server, topic);

        for (var i = 0; i < 2; i++)
        {
            await subscriber.ExpectAsync("message");
        }

        var info = await subscriber.ExpectAsync("info");
        Assert.Equal(("reset", topic, reset.Epoch, 1L), (info.GetProperty("msg").GetString(), info.GetProperty("topic").GetString(), info.GetProperty("epoch").GetString(), info.GetProperty("seq").GetInt64()));
        await subscriber.ExpectAsync("message");
    }

    [Theory]
    [InlineData(HubProtocolKind.Json)]
    [InlineData(HubProtocolKind.MessagePack)]
    public async Task Hub_subscribers_get_an_Info_reset_with_epoch_and_seq(HubProtocolKind protocol)
    {
        await using var server = await TestServer.StartAsync();
        var topic = NewTopic();
        await server.CreateTopicAsync(topic);
        await using var client = await HubTestClient.ConnectAsync(server, protocol);
        await client.SubscribeAsync(topic);
        var (_, reset) = await PublishTwoAndResetAsync(server, topic);

        await client.ExpectAsync("Event");
        await client.ExpectAsync("Event");
        var info = await client.ExpectAsync("Info");
        Assert.Equal(("reset", topic, reset.Epoch, 1L), (info.GetProperty("msg").GetString(), info.GetProperty("topic").GetString(), info.GetProperty("epoch").GetString(), info.GetProperty("seq").GetInt64()));
        Assert.Equal(2, (await client.ExpectAsync("Event")).GetProperty("seq").GetInt64());
    }

    /// <summary>Publishes two messages over REST and moves the topic to a new epoch keeping seq 1 in the old life.</summary>
    private static async Task<(string Epoch, EpochReset Reset)> PublishTwoAndResetAsync(TestServer server, string topic)
    {
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(201, (await server.SendAsync(HttpMethod.Post, $"/api/topics/{topic}/messages/", $"{{\"payload\":{{\"n\":{i}}}}}")).Status);
        }

        var engine = server.Services.GetRequiredService<IPubSubEngine>();
        var epoch = (await engine.GetTopicAsync(topic).Within())!.Epoch;
        var reset = await engine.ResetEpochAsync(topic, epoch, 1).Within();
        Assert.NotNull(reset);
        return (epoch, reset);
    }
}
