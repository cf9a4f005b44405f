using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using PubSub.Core;
using PubSub.Server.Hosting;

namespace PubSub.Server.Hubs;

/// <summary>
/// The lifetime manager of <see cref="PubSubHub"/>: SignalR's own in-memory manager for the hub with one
/// <see cref="HubSession"/> per connection on top. This is the one place SignalR hands out a connection's
/// <see cref="HubConnectionContext"/>, which the send loop needs to write pre-serialized messages to that one connection;
/// a hub only sees <see cref="HubCallerContext"/>.
/// </summary>
/// <remarks>
/// It composes with the inner manager instead of replacing it: every send, group and client-result call goes to it.
/// Delivery of topic events does not go through it: the broker's engine carries those, and each session writes them to
/// its own connection. There is no SignalR Redis backplane under it (<see cref="PubSubHubRegistration.AddPubSubHub"/> says why).
/// </remarks>
internal sealed class PubSubHubLifetimeManager(
    HubLifetimeManager<PubSubHub> inner,
    PubSubBroker broker,
    HubShutdown shutdown,
    IOptions<ShutdownOptions> shutdownOptions,
    RateLimiting rateLimits,
    TimeProvider time,
    ILoggerFactory loggers)
    : HubLifetimeManager<PubSubHub>
{
    private readonly ILogger _logger = loggers.CreateLogger("PubSub.Server.Hubs");

    /// <summary>The manager this one composes with (SignalR's in-memory one).</summary>
    internal HubLifetimeManager<PubSubHub> Inner => inner;

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        await inner.OnConnectedAsync(connection);
        var session = new HubSession(connection, broker, shutdownOptions.Value, rateLimits, time, _logger);
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

        await inner.OnDisconnectedAsync(connection);
    }

    public override Task SendAllAsync(string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendAllAsync(methodName, args, cancellationToken);

    public override Task SendAllExceptAsync(string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        inner.SendAllExceptAsync(methodName, args, excludedConnectionIds, cancellationToken);

    public override Task SendConnectionAsync(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendConnectionAsync(connectionId, methodName, args, cancellationToken);

    public override Task SendConnectionsAsync(IReadOnlyList<string> connectionIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendConnectionsAsync(connectionIds, methodName, args, cancellationToken);

    public override Task SendGroupAsync(string groupName, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendGroupAsync(groupName, methodName, args, cancellationToken);

    public override Task SendGroupsAsync(IReadOnlyList<string> groupNames, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendGroupsAsync(groupNames, methodName, args, cancellationToken);

    public override Task SendGroupExceptAsync(string groupName, string methodName, object?[] args, IReadOnlyList<string> excludedConnectionIds, CancellationToken cancellationToken = default) =>
        inner.SendGroupExceptAsync(groupName, methodName, args, excludedConnectionIds, cancellationToken);

    public override Task SendUserAsync(string userId, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendUserAsync(userId, methodName, args, cancellationToken);

    public override Task SendUsersAsync(IReadOnlyList<string> userIds, string methodName, object?[] args, CancellationToken cancellationToken = default) =>
        inner.SendUsersAsync(userIds, methodName, args, cancellationToken);

    public override Task AddToGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) =>
        inner.AddToGroupAsync(connectionId, groupName, cancellationToken);

    public override Task RemoveFromGroupAsync(string connectionId, string groupName, CancellationToken cancellationToken = default) =>
        inner.RemoveFromGroupAsync(connectionId, groupName, cancellationToken);

    public override Task<T> InvokeConnectionAsync<T>(string connectionId, string methodName, object?[] args, CancellationToken cancellationToken) =>
        inner.InvokeConnectionAsync<T>(connectionId, methodName, args, cancellationToken);

    public override Task SetConnectionResultAsync(string connectionId, Microsoft.AspNetCore.SignalR.Protocol.CompletionMessage result) =>
        inner.SetConnectionResultAsync(connectionId, result);

    public override bool TryGetReturnType(string invocationId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Type? type) =>
        inner.TryGetReturnType(invocationId, out type);
}
