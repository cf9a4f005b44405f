using Microsoft.Extensions.Options;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Rest;

/// <summary>Options are validated at start: a bad setting stops the host with a message naming it.</summary>
public sealed class OptionsValidationTests
{
    [Theory]
    [InlineData("PubSub:Queue:Capacity", "0", "Capacity")]
    [InlineData("PubSub:History:Capacity", "-1", "History")]
    [InlineData("PubSub:Publish:IdempotencyWindow", "00:00:00", "IdempotencyWindow")]
    [InlineData("PubSub:Publish:IdempotencyMaxKeysPerTopic", "0", "IdempotencyMaxKeysPerTopic")]
    [InlineData("PubSub:Limits:MaxMessageBytes", "10", "MaxMessageBytes")]
    [InlineData("PubSub:WebSocket:MaxFrameBytes", "10", "PubSub:Limits:MaxMessageBytes")] // the deprecated alias, checked under its new name
    [InlineData("PubSub:Heartbeat:Interval", "-00:00:01", "PubSub:Heartbeat:Interval")]
    [InlineData("PubSub:Shutdown:FlushTimeout", "-00:00:01", "FlushTimeout")]
    [InlineData("PubSub:RateLimit:PublishesPerSecond", "-5", "RateLimit")]
    [InlineData("PubSub:Auth:Enabled", "true", "Keys")]
    public async Task A_bad_setting_fails_the_start(string key, string value, string named)
    {
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => TestServer.StartAsync(new Dictionary<string, string?> { [key] = value })).Within();
        Assert.Contains(named, ex.Message);
    }

    [Fact]
    public async Task Environment_style_keys_bind()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["PubSub:Queue:Capacity"] = "7",
            ["PubSub:Queue:OverflowPolicy"] = "Disconnect",
            ["PubSub:History:Capacity"] = "3",
        });
        var options = server.Broker.Options;
        Assert.Equal(7, options.Queue.Capacity);
        Assert.Equal(PubSub.Core.OverflowPolicy.Disconnect, options.Queue.OverflowPolicy);
        Assert.Equal(3, options.History.Capacity);
    }
}
