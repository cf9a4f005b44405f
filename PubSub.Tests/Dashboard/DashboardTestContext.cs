using System.Text;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MudBlazor.Services;
using PubSub.Core;
using PubSub.Core.Hosting;
using PubSub.Dashboard.Services;

namespace PubSub.Tests.Dashboard;

/// <summary>
/// The shared bUnit setup for the dashboard's components: MudBlazor's services with loose JS interop (its
/// components call JS that bUnit does not run), a real in-memory broker, and the dashboard's own services as
/// the server registers them.
/// </summary>
public abstract class DashboardTestContext : BunitContext, IAsyncLifetime
{
    /// <summary>Long enough for a busy CI machine; WaitForAssertion returns as soon as the markup is right.</summary>
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    protected DashboardTestContext(Action<PubSubOptions>? configure = null)
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        Services.AddMudServices();
        Services.AddPubSub(configure: configure);
        Services.AddSingleton<RateHistory>();
        Services.AddScoped<LiveSubscriber>();
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    /// <summary>xunit 2 disposes test classes synchronously; MudBlazor's services can only be disposed asynchronously.</summary>
    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    protected PubSubBroker Broker => Services.GetRequiredService<PubSubBroker>();

    protected Task<PublishedMessage> PublishAsync(string topic, string json) =>
        Broker.PublishAsync(topic, new MessageDraft(null, Encoding.UTF8.GetBytes(json), "test-publisher")).AsTask();
}
