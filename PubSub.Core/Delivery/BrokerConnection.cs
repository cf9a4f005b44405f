using System.Collections.Concurrent;

namespace PubSub.Core.Delivery;

/// <summary>Who is on the other end of a connection, for listings and stats.</summary>
/// <param name="Transport">"ws", "signalr", "dashboard", …</param>
/// <param name="ClientIp">The remote address, when known.</param>
/// <param name="UserAgent">The client's user agent, when known.</param>
public sealed record ClientInfo(string Transport, string? ClientIp = null, string? UserAgent = null)
{
    /// <summary>The transport's topic rules for this connection's subscribes (default: the broker's options).</summary>
    public TransportRules Rules { get; init; }
}

/// <summary>
/// One client connection as the broker sees it, whatever its transport: its bounded outgoing queue, its
/// subscriptions (one per topic) and its counters. A transport drains <see cref="Outbound"/> into its socket
/// and calls <see cref="PubSubBroker.Disconnect"/> when the socket goes.
/// </summary>
public sealed class BrokerConnection
{
    private long _delivered;

    internal BrokerConnection(string id, ClientInfo info, DateTimeOffset connectedAt, QueueOptions queue)
    {
        Id = id;
        Info = info;
        ConnectedAt = connectedAt;
        Outbound = new OutboundQueue(queue.Capacity, queue.OverflowPolicy, queue.MaxBytes);
    }

    /// <summary>A unique id for this connection across the cluster: <c>{transport}-{n}.{node id}</c>.</summary>
    public string Id { get; }

    public ClientInfo Info { get; }

    public DateTimeOffset ConnectedAt { get; }

    /// <summary>Events, replies and notices waiting for the send loop.</summary>
    public OutboundQueue Outbound { get; }

    /// <summary>Events written to the socket so far (counted by the transport's send loop).</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Topics this connection is subscribed to.</summary>
    public IReadOnlyCollection<string> Topics => (IReadOnlyCollection<string>)Subscriptions.Keys;

    /// <summary>Guarded by the fan-out's per-topic lock for adds and removes of each topic's entry.</summary>
    internal ConcurrentDictionary<string, Subscription> Subscriptions { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Orders a subscription's registration against the connection's close: a subscribe that registers under it
    /// after <see cref="PubSubBroker.Disconnect"/> marked the connection closed is refused, and one that
    /// registered before is in the set that Disconnect removes.
    /// </summary>
    internal object SubscriptionsLock { get; } = new();

    /// <summary>Set under <see cref="SubscriptionsLock"/> by <see cref="PubSubBroker.Disconnect"/>.</summary>
    internal bool IsClosed { get; private set; }

    /// <summary>Marks the connection closed and returns the subscriptions it had.</summary>
    internal List<Subscription> Close()
    {
        lock (SubscriptionsLock)
        {
            IsClosed = true;
            return [.. Subscriptions.Values];
        }
    }

    /// <summary>The send loop reports events it has written. Single writer, so a plain add would do; Interlocked keeps readers exact.</summary>
    public void CountDelivered(int events)
    {
        if (events > 0)
        {
            Interlocked.Add(ref _delivered, events);
        }
    }

    /// <summary>Raised once when an operator asks to close the connection (after its last frame is queued), so the transport can bound the close.</summary>
    public event Action? CloseRequested;

    /// <summary>
    /// Closes the connection at an operator's request: what is queued goes first, then the notice with
    /// <paramref name="reason"/>, then the transport closes. False when the connection is ending already.
    /// </summary>
    internal bool RequestClose(string reason)
    {
        if (Outbound.IsCompleted)
        {
            return false;
        }

        Outbound.Complete(OutboundFrame.ForDisconnected(reason));
        CloseRequested?.Invoke();
        return true;
    }

    internal Cluster.ConnectionDetails Describe(string node) =>
        new(Id, node, Info.Transport, Info.ClientIp, Info.UserAgent, ConnectedAt, [.. Topics.Order(StringComparer.Ordinal)], Delivered, Outbound.Dropped, Outbound.Count);

    internal ConnectionStats Stats() => new(Id, Info.Transport, Info.ClientIp, ConnectedAt, Subscriptions.Count, Outbound.Count, Delivered, Outbound.Dropped);
}
