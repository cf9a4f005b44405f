using System.Security.Claims;
using System.Text;
using Bunit;
using Bunit.TestDoubles;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using MudBlazor.Services;
using PubSub.Core;
using PubSub.Core.Access;
using PubSub.Core.Hosting;
using PubSub.Dashboard.Services;
using PubSub.Server.Auth;
using PubSub.Server.Hosting;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Dashboard;

/// <summary>
/// The shared bUnit setup for the dashboard's components: MudBlazor's services with loose JS interop (its
/// components call JS that bUnit does not run), a real in-memory broker, and the dashboard's own services as
/// the server registers them, with the server's own authorizer (auth off unless the constructor's <c>auth</c>
/// says otherwise) and bUnit's authentication double standing in for the circuit's signed-in user.
/// </summary>
public abstract class DashboardTestContext : BunitContext, IAsyncLifetime
{
    /// <summary>Long enough for a busy CI machine; WaitForAssertion returns as soon as the markup is right.</summary>
    protected static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private readonly BunitAuthorizationContext _authorization;

    protected DashboardTestContext(Action<PubSubOptions>? configure = null, AuthOptions? auth = null)
    {
        JSInterop.Mode = JSRuntimeMode.Loose;
        Services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        Services.AddMudServices();
        Services.AddPubSub(configure: configure);
        Services.AddSingleton<RateHistory>();
        Services.AddScoped<LiveSubscriber>();
        Authorizer = new ApiKeyAuthorizer(Microsoft.Extensions.Options.Options.Create(auth ?? new AuthOptions()));
        Services.AddSingleton<IPubSubAuthorizer>(Authorizer);
        Services.AddScoped<DashboardAccess>();
        _authorization = AddAuthorization();
    }

    protected IPubSubAuthorizer Authorizer { get; }

    /// <summary>Signs the circuit in with <paramref name="secret"/>, as the sign-in page's cookie would: the key's id and name.</summary>
    protected void SignInAs(string secret)
    {
        var key = Authorizer.Authenticate(secret, "test") ?? throw new ArgumentException("not a configured key", nameof(secret));
        _authorization.SetAuthorized(key.Identity!.Name!);
        _authorization.SetClaims(new Claim(IPubSubAuthorizer.KeyIdClaim, IPubSubAuthorizer.KeyIdOf(key)!));
    }

    Task IAsyncLifetime.InitializeAsync() => Task.CompletedTask;

    /// <summary>
    /// xunit 2 disposes test classes synchronously; MudBlazor's services can only be disposed asynchronously. Bounded:
    /// the services include the scoped <see cref="LiveSubscriber"/>, whose dispose waits for its loop.
    /// </summary>
    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync().Within();

    protected PubSubBroker Broker => Services.GetRequiredService<PubSubBroker>();

    protected Task<PublishReceipt> PublishAsync(string topic, string json) =>
        Broker.PublishAsync(topic, new MessageDraft(null, Encoding.UTF8.GetBytes(json), "test-publisher")).AsTask();
}
