namespace PubSub.Tests.Infrastructure;

/// <summary>One default server per test class (xunit class fixture). Tests use unique topic names, so they never meet.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private TestServer? _server;

    public TestServer Server => _server ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    /// <summary>A topic name no other test uses.</summary>
    public static string NewTopic(string prefix = "t") => $"{prefix}-{Guid.NewGuid():N}";
}
