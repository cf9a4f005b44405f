namespace PubSub.Tests.Infrastructure;

/// <summary>
/// One Redis Cluster (three masters, no replicas) shared by a test class, for tests that do not kill or reshape it
/// (each test takes keys of its own); started only where redis-server is installed: tests call
/// <see cref="RedisCluster.SkipUnlessAvailable"/> first, so they skip on a developer machine without it and fail
/// under CI=true. Tests that kill nodes or move slots start a <see cref="RedisCluster"/> of their own.
/// </summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    private RedisCluster? _cluster;

    public RedisCluster Cluster => _cluster ?? throw new InvalidOperationException(
        "redis-server is required but not installed: apt-get install redis-server (under CI=true Redis tests never skip)");

    public async Task InitializeAsync()
    {
        if (RedisServer.Executable is not null)
        {
            _cluster = await RedisCluster.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}
