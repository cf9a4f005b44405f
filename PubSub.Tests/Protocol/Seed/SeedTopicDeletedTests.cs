using static PubSub.Tests.Infrastructure.ServerFixture;

namespace PubSub.Tests.Protocol.Seed;

/// <summary>
/// Topic deletion in the seed dialect: the same code path as the standard one, with §3's <c>info</c> frame, which the
/// seed's clients already handle. Heartbeat, shutdown and backpressure run in both dialects: <see cref="HeartbeatTests"/>,
/// <see cref="ShutdownTests"/>, <see cref="WsBackpressureTests"/>.
/// </summary>
public sealed class SeedTopicDeletedTests
{
    [Fact]
    public async Task A_topic_deleted_while_subscribed_sends_info_topic_deleted_and_the_socket_stays_open()
    {
        await using var server = await SeedWire.StartAsync();
        var topic = NewTopic();
        await using var subscriber = await SeedWire.ConnectClientAsync(server);
        await subscriber.SeedSubscribeAsync(topic);

        var (status, _) = await server.SendAsync(HttpMethod.Delete, $"/api/topics/{topic}/");

        Assert.Equal(200, status);
        var info = await subscriber.ExpectAsync("info");
        WireAssert.HasTypeAndTs(info, "info");
        Assert.Equal("topic_deleted", info.GetProperty("msg").GetString());
        Assert.Equal(topic, info.GetProperty("topic").GetString());

        // The subscription is gone: a publish creates the topic anew, and the old subscriber hears nothing of it.
        await using var publisher = await SeedWire.ConnectClientAsync(server);
        await publisher.SeedPublishAsync(topic, "reborn");
        await subscriber.ExpectSilenceAsync();
        await subscriber.SendAsync(new { type = "ping", request_id = "alive" });
        Assert.Equal("alive", (await subscriber.ExpectAsync("pong")).GetProperty("request_id").GetString());
    }
}
