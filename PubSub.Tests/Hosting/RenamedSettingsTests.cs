using System.Net.WebSockets;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using PubSub.Server.Hosting;
using PubSub.Server.Hubs;
using PubSub.Tests.Infrastructure;
using PubSub.Tests.Protocol;

namespace PubSub.Tests.Hosting;

/// <summary>
/// Keys renamed to say what they bound (README, "Deprecated keys"): the old key is read when only it is set, with one
/// warning at start naming both keys; the new key alone is read silently; with both set the new one wins and the
/// warning says the old one is ignored.
/// </summary>
public sealed class RenamedSettingsTests
{
    private const int DeprecatedKeyRead = 431;
    private const int DeprecatedKeyIgnored = 432;

    [Fact]
    public async Task The_old_MaxFrameBytes_key_still_bounds_every_transport_and_is_logged_once_as_deprecated()
    {
        var log = new LogCapture(LogLevel.Warning);
        await using var server = await TestServer.StartAsync(
            new Dictionary<string, string?> { ["PubSub:WebSocket:MaxFrameBytes"] = "1024" },
            services => services.AddSingleton<ILoggerProvider>(log));
        await server.CreateTopicAsync("orders");

        Assert.Equal(1024, server.Broker.Options.Limits.MaxMessageBytes);
        Assert.Equal(1024, server.Services.GetRequiredService<IOptions<HubOptions<PubSubHub>>>().Value.MaximumReceiveMessageSize);
        Assert.Equal(201, (await PublishOverRestAsync(server, 500)).Status);
        Assert.Equal(413, (await PublishOverRestAsync(server, 2000)).Status);
        await AssertWsFrameRefusedAsync(server, 2000);

        // Requests and connections later in the node's life do not log it again.
        AssertLoggedOnceAsRead(log, "PubSub:WebSocket:MaxFrameBytes", "PubSub:Limits:MaxMessageBytes");
    }

    [Fact]
    public async Task The_old_HeartbeatInterval_key_still_drives_the_heartbeat_and_is_logged_once_as_deprecated()
    {
        var log = new LogCapture(LogLevel.Warning);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var server = await TestServer.StartAsync(
            new Dictionary<string, string?> { ["PubSub:WebSocket:HeartbeatInterval"] = "00:00:07" },
            services => services.AddSingleton<ILoggerProvider>(log).AddSingleton<TimeProvider>(time));
        Assert.Equal(TimeSpan.FromSeconds(7), server.Services.GetRequiredService<IOptions<HeartbeatOptions>>().Value.Interval);

        await using var client = await server.ConnectAsync();
        await client.SendAsync(new { type = "ping" });
        await client.ExpectAsync("pong");
        time.Advance(TimeSpan.FromSeconds(7));
        Assert.Equal("ping", (await client.ExpectAsync("info")).GetProperty("msg").GetString());

        AssertLoggedOnceAsRead(log, "PubSub:WebSocket:HeartbeatInterval", "PubSub:Heartbeat:Interval");
    }

    [Fact]
    public async Task The_new_keys_are_read_without_a_warning()
    {
        var log = new LogCapture(LogLevel.Warning);
        await using var server = await TestServer.StartAsync(
            new Dictionary<string, string?>
            {
                ["PubSub:Limits:MaxMessageBytes"] = "1024",
                ["PubSub:Heartbeat:Interval"] = "00:00:07",
            },
            services => services.AddSingleton<ILoggerProvider>(log));
        await server.CreateTopicAsync("orders");

        Assert.Equal(1024, server.Broker.Options.Limits.MaxMessageBytes);
        Assert.Equal(1024, server.Services.GetRequiredService<IOptions<HubOptions<PubSubHub>>>().Value.MaximumReceiveMessageSize);
        Assert.Equal(TimeSpan.FromSeconds(7), server.Services.GetRequiredService<IOptions<HeartbeatOptions>>().Value.Interval);
        Assert.Equal(413, (await PublishOverRestAsync(server, 2000)).Status);
        await AssertWsFrameRefusedAsync(server, 2000);
        Assert.DoesNotContain(log.Entries, e => e.EventId is DeprecatedKeyRead or DeprecatedKeyIgnored);
    }

    [Fact]
    public async Task With_both_keys_set_the_new_one_wins_and_the_warning_says_the_old_one_is_ignored()
    {
        var log = new LogCapture(LogLevel.Warning);
        await using var server = await TestServer.StartAsync(
            new Dictionary<string, string?>
            {
                ["PubSub:WebSocket:MaxFrameBytes"] = "100000",
                ["PubSub:Limits:MaxMessageBytes"] = "1024",
                ["PubSub:WebSocket:HeartbeatInterval"] = "00:00:09",
                ["PubSub:Heartbeat:Interval"] = "00:00:07",
            },
            services => services.AddSingleton<ILoggerProvider>(log));
        await server.CreateTopicAsync("orders");

        Assert.Equal(1024, server.Broker.Options.Limits.MaxMessageBytes);
        Assert.Equal(TimeSpan.FromSeconds(7), server.Services.GetRequiredService<IOptions<HeartbeatOptions>>().Value.Interval);
        Assert.Equal(413, (await PublishOverRestAsync(server, 2000)).Status);

        var warnings = log.Entries.Where(e => e.EventId is DeprecatedKeyRead or DeprecatedKeyIgnored).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.All(warnings, w => Assert.Equal(DeprecatedKeyIgnored, w.EventId));
        Assert.Single(warnings, w => w.Message.Contains("PubSub:WebSocket:MaxFrameBytes", StringComparison.Ordinal) && w.Message.Contains("PubSub:Limits:MaxMessageBytes", StringComparison.Ordinal));
        Assert.Single(warnings, w => w.Message.Contains("PubSub:WebSocket:HeartbeatInterval", StringComparison.Ordinal) && w.Message.Contains("PubSub:Heartbeat:Interval", StringComparison.Ordinal));
    }

    private static void AssertLoggedOnceAsRead(LogCapture log, string oldKey, string newKey)
    {
        var warning = Assert.Single(log.Entries, e => e.EventId is DeprecatedKeyRead or DeprecatedKeyIgnored);
        Assert.Equal(DeprecatedKeyRead, warning.EventId);
        Assert.Contains(oldKey, warning.Message, StringComparison.Ordinal);
        Assert.Contains(newKey, warning.Message, StringComparison.Ordinal);
    }

    private static Task<(int Status, System.Text.Json.JsonElement Body)> PublishOverRestAsync(TestServer server, int payloadChars) =>
        server.SendAsync(HttpMethod.Post, "/api/topics/orders/messages/", $$"""{"payload":"{{new string('x', payloadChars)}}"}""");

    private static async Task AssertWsFrameRefusedAsync(TestServer server, int payloadChars)
    {
        await using var client = await server.ConnectAsync();
        await client.PublishAsync("orders", new string('x', payloadChars));
        var (status, frames) = await client.ReadUntilCloseAsync();
        Assert.Equal(WebSocketCloseStatus.MessageTooBig, status);
        WireAssert.IsError(Assert.Single(frames), "BAD_REQUEST", null, "limit");
    }
}
