using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Protocol.Seed;

/// <summary>
/// The seed's script flow with the Redis engine, where a publisher's own event comes back through Redis on another
/// connection and may arrive before the store's reply to the publish: the <c>published</c> reply must still come first.
/// </summary>
public sealed class SeedOnRedisTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [SkippableFact]
    public async Task The_test_websocket_flow_reads_each_reply_as_the_next_frame_on_the_redis_engine()
    {
        RedisServer.SkipUnlessAvailable();
        await using var server = await SeedWire.StartAsync(Cluster.Cluster.Settings(redis.Server, $"seed:{Guid.NewGuid():N}:"));
        await SeedScriptFlowTests.TestWebsocketFlowAsync(server);
    }
}
