using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using PubSub.Core;
using PubSub.Server.Hosting;

namespace PubSub.Server.Hubs;

/// <summary>
/// The lifetime manager of <see cref="PubSubHub"/>: SignalR's own manager for the hub (in memory, or its Redis backplane
/// when the engine is Redis) with one <see cref="HubSession"/> per connection on top. This is the one place SignalR hands
/// out a connection's <see cref="HubConnectionContext"/>, which the send loop needs to write pre-serialized messages to
/// that one connection; a hub only sees <see cref="HubCallerContext"/>.
/// </summary>
/// <remarks>
/// It composes with the inner manager instead of replacing it: every send, group and client-result call goes to it, so
/// with the backplane <c>IHubContext&lt;PubSubHub&gt;</c> reaches a connection on any node. Delivery of topic events does
/// not go through it: the broker's engine carries those, and each session writes them to its own connection. If the
/// backplane cannot register a connection (Redis away), the connection still works on this node.
/// </remarks>
internal sealed partial class PubSubHubLifetimeManager(
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

    /// <summary>The manager this one composes with (SignalR's in-memory one, or its Redis backplane).</summary>
    internal HubLifetimeManager<PubSubHub> Inner => inner;

    public override async Task OnConnectedAsync(HubConnectionContext connection)
    {
        try
        {
            await inner.OnConnectedAsync(connection);
        }
        catch (Exception ex) when (inner is not DefaultHubLifetimeManager<PubSubHub>)
        {
            // The backplane only serves sends from other nodes; topic delivery does not need it.
            Log.BackplaneUnavailable(_logger, ex, connection.ConnectionId);
        }

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

        try
        {
            await inner.OnDisconnectedAsync(connection);
        }
        catch (Exception ex) when (inner is not DefaultHubLifetimeManager<PubSubHub>)
        {
            Log.BackplaneUnavailable(_logger, ex, connection.ConnectionId);
        }
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

    private static partial class Log
    {
        [LoggerMessage(621, LogLevel.Warning, "SignalR's Redis backplane could not track hub connection {ConnectionId}; it works on this node, sends from other nodes miss it")]
        public static partial void BackplaneUnavailable(ILogger logger, Exception exception, string connectionId);
    }
}
