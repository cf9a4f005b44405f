using PubSub.Tests.Hub;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Protocol.Seed;

/// <summary>A client written only from PROTOCOL.md §9 (<c>PubSub.Tests/js/seed-client.mjs</c>, Node) against <c>Dialect=Seed</c>.</summary>
public sealed class SeedJsClientTests
{
    [RequiresProgramFact("node", "nodejs npm")]
    public async Task A_client_written_from_section_9_passes_against_the_seed_dialect()
    {
        var js = await NodeRunner.PrepareAsync();
        if (js is null)
        {
            return; // unreachable: the attribute skips without node, and under CI PrepareAsync fails
        }

        await using var server = await SeedWire.StartAsync();

        await NodeRunner.AssertPassesAsync(js, "seed-client.mjs", server);
    }

    [RequiresProgramFact("node", "nodejs npm")]
    public async Task The_same_client_fails_against_the_standard_dialect()
    {
        var js = await NodeRunner.PrepareAsync();
        if (js is null)
        {
            return;
        }

        await using var server = await TestServer.StartAsync();

        var (exit, output) = await NodeRunner.NodeAsync(js, "seed-client.mjs", NodeRunner.BaseUrl(server));

        Assert.Equal(1, exit);
        Assert.Contains("FAIL subscriber: no 'connected' frame in time", output);
    }
}
