using Microsoft.Extensions.Options;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Rest;

/// <summary>The Redis engine's options are validated at start: a bad one stops the host with a message naming it (no Redis needed).</summary>
public sealed class RedisOptionsValidationTests
{
    [Theory]
    [InlineData("PubSub:Redis:Configuration", "127.0.0.1:1,nonsense=1", "PubSub:Redis:Configuration")]
    [InlineData("PubSub:Redis:KeyPrefix", "has space", "PubSub:Redis:KeyPrefix")]
    [InlineData("PubSub:Redis:OperationTimeout", "00:00:00", "PubSub:Redis:OperationTimeout")]
    [InlineData("PubSub:Redis:ConnectTimeout", "00:10:00", "PubSub:Redis:ConnectTimeout")]
    [InlineData("PubSub:Redis:AckReplicas", "-1", "PubSub:Redis:AckReplicas must be between 0 and 16")]
    [InlineData("PubSub:Redis:AckReplicas", "17", "PubSub:Redis:AckReplicas must be between 0 and 16")]
    [InlineData("PubSub:Redis:LinkProbeInterval", "00:00:00.010", "PubSub:Redis:LinkProbeInterval")]
    [InlineData("PubSub:Redis:LinkProbeTimeout", "00:00:01.5", "PubSub:Redis:LinkProbeTimeout must be at least twice")]
    [InlineData("PubSub:Redis:LinkProbeTimeout", "00:11:00", "PubSub:Redis:LinkProbeTimeout")]
    public async Task A_bad_Redis_setting_fails_the_start(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?> { ["PubSub:Redis:Configuration"] = "127.0.0.1:1", [key] = value };
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => TestServer.StartAsync(settings)).Within();
        Assert.Contains(named, ex.Message);
    }
}
