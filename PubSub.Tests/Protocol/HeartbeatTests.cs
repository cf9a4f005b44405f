using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PubSub.Server.Hosting;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Protocol;

/// <summary>PROTOCOL.md §3–4 heartbeat, on an injected clock: no sleeping.</summary>
public sealed class HeartbeatTests
{
    // Both /ws dialects: the seed dialect (PROTOCOL.md §9) keeps §3's info frames.
    [Theory]
    [InlineData(WsDialect.Standard)]
    [InlineData(WsDialect.Seed)]
    public async Task Every_connection_gets_an_info_ping_each_heartbeat_interval(WsDialect dialect)
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var wire = WireDialect.For(dialect);
        await using var server = await wire.StartAsync(
            new Dictionary<string, string?> { ["PubSub:Heartbeat:Interval"] = "00:00:30" },
            services => services.AddSingleton<TimeProvider>(time));
        await using var client = await wire.ConnectAsync(server);
        await client.SendAsync(new { type = "ping" });
        await client.ExpectAsync("pong");

        time.Advance(TimeSpan.FromSeconds(29));
        await client.ExpectSilenceAsync();
        time.Advance(TimeSpan.FromSeconds(1));
        var info = await client.ExpectAsync("info");
        WireAssert.HasTypeAndTs(info, "info");
        Assert.Equal("ping", info.GetProperty("msg").GetString());
        Assert.Equal(time.GetUtcNow().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture), info.GetProperty("ts").GetString());

        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("ping", (await client.ExpectAsync("info")).GetProperty("msg").GetString());
    }

    [Fact]
    public async Task A_zero_interval_turns_the_heartbeat_off()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(
            new Dictionary<string, string?> { ["PubSub:Heartbeat:Interval"] = "00:00:00" },
            services => services.AddSingleton<TimeProvider>(time));
        await using var client = await server.ConnectAsync();
        time.Advance(TimeSpan.FromMinutes(10));
        await client.ExpectSilenceAsync();
    }
}
