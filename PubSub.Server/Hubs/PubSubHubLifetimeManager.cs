using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using PubSub.Core;
using PubSub.Server.Hosting;

namespace PubSub.Server.Hubs;

/// <summary>
/// SignalR's in-memory lifetime manager for <see cref="PubSubHub"/>, plus one <see cref="HubSession"/> per
/// connection. This is the one place SignalR hands out a connection's <see cref="HubConnectionContext"/>, which
/// the send loop needs to write pre-serialized messages (<c>WriteAsync(SerializedHubMessage)</c>) to that one
/// connection; a hub only sees <see cref="HubCallerContext"/>.
/// </summary>
/// <remarks>
/// Registered for this hub only (a closed generic registration wins over any open generic one, such as
/// SignalR's Redis backplane): this hub never sends to groups, users or all, and delivery across nodes goes
/// through the broker's engine, so its connections are always local and the in-memory manager is all it needs.
/// </remarks>
internal sealed class PubSubHubLifetimeManager(
    PubSubBroker broker,
    HubShutdown shutdown,
    IOptions<ShutdownOptions> shutdownOptions,
    IOptions<RateLimitOptions> rateLimit,
    TimeProvider time,
    ILoggerFactory loggers)
    : DefaultHubLifetimeManager<PubSubHub>(loggers.CreateLogger<DefaultHubLifetimeManager<PubSubHub>>())
{
    private readonly ILogger _logger = loggers.CreateLogger("PubSub.Server.Hubs");

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        await base.OnConnectedAsync(connection);
        var session = new HubSession(connection, broker, shutdownOptions.Value, RateLimiting.ForConnection(rateLimit.Value), time, _logger);
        connection.Items[HubSession.ItemKey] = session;
        session.Start();
        shutdown.Track(session);
    }

    public override async Task OnDisconnectedAsync(HubConnectionContext connection)
    {
        if (connection.Items.TryGetValue(HubSession.ItemKey, out var item) && item is HubSession session)
        {
            await session.StopAsync();
            shutdown.Untrack(session);
        }

        await base.OnDisconnectedAsync(connection);
    }
}
