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
    public async Task A_bad_Redis_setting_fails_the_start(string key, string value, string named)
    {
        var settings = new Dictionary<string, string?> { ["PubSub:Redis:Configuration"] = "127.0.0.1:1", [key] = value };
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => TestServer.StartAsync(settings)).Within();
        Assert.Contains(named, ex.Message);
    }
}
