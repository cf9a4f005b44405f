namespace PubSub.Tests.Infrastructure;

/// <summary>
/// One redis-server shared by a test class (each test takes a key prefix of its own), started only where
/// redis-server is installed: tests call <see cref="RedisServer.SkipUnlessAvailable"/> first, so they skip on a
/// developer machine without it and fail under CI=true.
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private RedisServer? _server;

    public RedisServer Server => _server ?? throw new InvalidOperationException(
        "redis-server is required but not installed: apt-get install redis-server (under CI=true Redis tests never skip)");

    public async Task InitializeAsync()
    {
        if (RedisServer.Executable is not null)
        {
            _server = await RedisServer.StartAsync();
        }
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
