using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using PubSub.Core;
using PubSub.Core.Hosting;

namespace PubSub.Tests.Core;

/// <summary>A broker built through the real registration (<c>AddPubSub</c>), with options and time of the test's choosing.</summary>
internal static class BrokerFactory
{
    public static PubSubBroker Create(Action<PubSubOptions>? configure = null, TimeProvider? time = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(time ?? new FakeTimeProvider(new DateTimeOffset(2025, 8, 25, 10, 0, 0, TimeSpan.Zero)));
        services.AddPubSub(configure: configure);
        return services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true }).GetRequiredService<PubSubBroker>();
    }

    public static ReadOnlyMemory<byte> Json(string text) => System.Text.Encoding.UTF8.GetBytes(text);

    public static MessageDraft Draft(string payload = "{\"n\":1}", string? id = null, string? publisher = null) =>
        new(id, Json(payload), publisher);
}
