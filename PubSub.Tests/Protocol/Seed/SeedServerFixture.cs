using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Protocol.Seed;

/// <summary>One <c>Dialect=Seed</c> server per test class; tests use unique topic names, so they never meet.</summary>
public sealed class SeedServerFixture : IAsyncLifetime
{
    private TestServer? _server;

    public TestServer Server => _server ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _server = await SeedWire.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
