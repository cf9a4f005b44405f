using System.Collections.Concurrent;
using System.Security.Claims;
using PubSub.Core.Access;
using PubSub.Core.Cluster;

namespace PubSub.Core.Delivery;

/// <summary>
/// This node's open connections: their ids, registration and removal, an operator's close, the listing and the
/// counts per transport. The broker calls it; nothing else keeps a list of connections. <c>changed</c> is called after
/// each registration and removal (the broker's <c>LocalFiguresChanged</c>, for the cluster report).
/// </summary>
internal sealed class ConnectionRegistry(NodeIdentity node, LocalFanout fanout, PubSubOptions options, TimeProvider time, IPubSubAuthorizer access, Action changed)
{
    private readonly ConcurrentDictionary<string, BrokerConnection> _connections = new(StringComparer.Ordinal);
    private long _deliveredByClosed;
    private long _droppedByClosed;
    private long _nextConnectionId;

    /// <summary>Connections open now.</summary>
    public int Count => _connections.Count;

    /// <summary>Connections open now, as a live view.</summary>
    public IReadOnlyCollection<BrokerConnection> All => (IReadOnlyCollection<BrokerConnection>)_connections.Values;

    /// <summary>Events written to sockets since start, by open and closed connections.</summary>
    public long Delivered => Interlocked.Read(ref _deliveredByClosed) + _connections.Values.Sum(c => c.Delivered);

    /// <summary>Events dropped by the overflow policy since start, by open and closed connections.</summary>
    public long Dropped => Interlocked.Read(ref _droppedByClosed) + _connections.Values.Sum(c => c.Outbound.Dropped);

    /// <summary>Adds a connection with the next number of this node: its id is <c>{transport}-{n}.{node id}</c>.</summary>
    public BrokerConnection Register(ClientInfo info, BrokerConnection? parent)
    {
        var number = Interlocked.Increment(ref _nextConnectionId);
        var id = $"{info.Transport}-{number}.{node.Id}";
        var connection = new BrokerConnection(id, number, info, time.GetUtcNow(), options.Queue, parent);
        _connections[id] = connection;
        changed();
        return connection;
    }

    /// <summary>Removes the connection, its subscriptions and its queue, keeping its counts. False when it was gone already.</summary>
    public bool Remove(BrokerConnection connection)
    {
        if (!_connections.TryRemove(connection.Id, out _))
        {
            return false;
        }

        // Closed first: a subscribe racing this disconnect either registered before (and is removed here) or is refused.
        foreach (var subscription in connection.Close())
        {
            fanout.Remove(subscription);
        }

        connection.Outbound.Complete();
        connection.Outbound.LeaveBudget();
        Interlocked.Add(ref _deliveredByClosed, connection.Delivered);
        Interlocked.Add(ref _droppedByClosed, connection.Outbound.Dropped);
        changed();
        return true;
    }

    /// <summary>An operator's close, decided for <paramref name="user"/>'s key (see <see cref="PubSubBroker.CloseConnection"/>).</summary>
    public CloseOutcome Close(string connectionId, string reason, ClaimsPrincipal? user)
    {
        var outcome = _connections.TryGetValue(connectionId, out var connection)
            ? connection.RequestClose(reason, topics => access.MayClose(user, topics))
            : CloseOutcome.NotFound;
        if (outcome == CloseOutcome.Refused && access.Scope(user, connection!.Describe(node.Id)) is null)
        {
            // Beyond the key's sight: answered as for no connection, so ids cannot be probed across tenants.
            return CloseOutcome.NotFound;
        }

        return outcome;
    }

    /// <summary>A page of the connections <paramref name="user"/>'s key may see (see <see cref="PubSubBroker.DescribeConnections"/>).</summary>
    public ConnectionPage Describe(ClaimsPrincipal? user, long after, int limit)
    {
        var items = new List<ConnectionDetails>(Math.Min(limit, 1024));
        long last = after;
        foreach (var connection in _connections.Values.Where(c => c.Number > after).OrderBy(c => c.Number))
        {
            if (items.Count == limit)
            {
                return new ConnectionPage(items, last, More: true);
            }

            if (access.Scope(user, connection.Describe(node.Id)) is { } visible)
            {
                items.Add(visible);
                last = connection.Number;
            }
        }

        return new ConnectionPage(items, last, More: false);
    }

    /// <summary>This node's connections per transport, added to a copy of <paramref name="seed"/> (another's counts) when given.</summary>
    public Dictionary<string, int> CountByTransport(IReadOnlyDictionary<string, int>? seed = null)
    {
        var counts = seed is null ? new Dictionary<string, int>(StringComparer.Ordinal) : new Dictionary<string, int>(seed, StringComparer.Ordinal);
        foreach (var connection in _connections.Values)
        {
            counts[connection.Info.Transport] = counts.GetValueOrDefault(connection.Info.Transport) + 1;
        }

        return counts;
    }

    /// <summary>Figures of every open connection.</summary>
    public IReadOnlyList<ConnectionStats> Stats() => _connections.Values.Select(c => c.Stats()).ToList();
}
