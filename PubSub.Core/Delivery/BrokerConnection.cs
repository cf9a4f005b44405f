using System.Collections.Concurrent;

namespace PubSub.Core.Delivery;

/// <summary>
/// One client connection as the broker sees it, whatever its transport: its bounded outgoing queue, its
/// subscriptions (one per topic) and its counters. A transport's one send loop drains it (<see cref="WaitToReadAsync"/>,
/// <see cref="Drain(Span{OutboundFrame})"/>) into its socket
/// and calls <see cref="PubSubBroker.Disconnect"/> when the socket goes.
/// </summary>
public sealed class BrokerConnection
{
    private readonly BrokerConnection? _parent;
    private readonly List<BrokerConnection> _streams = [];
    private bool _closed;
    private long _delivered;

    internal BrokerConnection(string id, long number, ClientInfo info, DateTimeOffset connectedAt, QueueOptions queue, BrokerConnection? parent = null)
    {
        Id = id;
        Number = number;
        Info = info;
        ConnectedAt = connectedAt;
        _parent = parent;
        SubscriptionsLock = parent?.SubscriptionsLock ?? new object();
        Outbound = new OutboundQueue(queue.Capacity, queue.OverflowPolicy, queue.MaxBytes);
    }

    /// <summary>Its place among this node's connections, in the order they opened: what listing pages by.</summary>
    internal long Number { get; }

    /// <summary>A unique id for this connection across the cluster: <c>{transport}-{n}.{node id}</c>.</summary>
    public string Id { get; }

    /// <summary>"ws", "signalr", "sse", "dashboard", …: what <see cref="PubSubBroker.Connect"/> was told.</summary>
    public string Transport => Info.Transport;

    internal ClientInfo Info { get; }

    public DateTimeOffset ConnectedAt { get; }

    /// <summary>Events, replies and notices waiting for the send loop.</summary>
    internal OutboundQueue Outbound { get; }

    // The transport's side of the queue. The queue itself is internal: a transport sees its connection, not how the
    // broker buffers for it (docs/architecture.md, "The transport seam").

    /// <summary>Waits until a frame is queued (true) or the connection's queue is completed and empty (false). One send loop only.</summary>
    public ValueTask<bool> WaitToReadAsync() => Outbound.WaitToReadAsync();

    /// <summary>
    /// Moves as many queued frames as <paramref name="into"/> holds, oldest first; when events were dropped since the
    /// last drain, a <see cref="OutboundKind.SlowConsumer"/> notice with their count comes first.
    /// </summary>
    public int Drain(Span<OutboundFrame> into) => Outbound.Drain(into);

    /// <inheritdoc cref="Drain(Span{OutboundFrame})"/>
    /// <param name="batch">Receives the frames.</param>
    /// <param name="max">At most this many.</param>
    public int Drain(List<OutboundFrame> batch, int max = int.MaxValue) => Outbound.Drain(batch, max);

    /// <summary>Queues a reply or a notice for the send loop (never dropped). False when the queue is completed.</summary>
    public bool TrySend(OutboundFrame frame) => Outbound.TryEnqueue(frame);

    /// <summary>
    /// Backpressure on requests: completes at once unless half the queue's capacity in replies and notices is waiting
    /// to be sent, else when the send loop has taken them below that (or the queue ended). A transport awaits it before
    /// it reads the connection's next request, so a client that sends faster than it reads its replies is slowed down
    /// by TCP, not disconnected.
    /// </summary>
    public ValueTask WaitForReplyRoomAsync() => Outbound.WaitForReplyRoomAsync();

    /// <summary>Ends the queue: the send loop drains what is queued (then <paramref name="final"/>, when given) and stops.</summary>
    public void Complete(OutboundFrame? final = null) => Outbound.Complete(final);

    /// <summary>True once the queue was completed (the connection is going).</summary>
    public bool IsCompleted => Outbound.IsCompleted;

    /// <summary>Raised once, off the broker's locks, when the <see cref="OverflowPolicy.Disconnect"/> policy fires.</summary>
    public event Action? Overflowed
    {
        add => Outbound.Overflowed += value;
        remove => Outbound.Overflowed -= value;
    }

    /// <summary>
    /// Adds <paramref name="count"/> events dropped elsewhere for this connection (a hub stream's own queue) to the next
    /// <see cref="OutboundKind.SlowConsumer"/> notice its send loop gets: reports coalesce into one.
    /// </summary>
    public void ReportDropped(long count) => Outbound.ReportDropped(count);

    /// <summary>Events written to the socket so far (counted by the transport's send loop).</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>Topics this connection is subscribed to.</summary>
    public IReadOnlyCollection<string> Topics => (IReadOnlyCollection<string>)Subscriptions.Keys;

    /// <summary>Guarded by the fan-out's per-topic lock for adds and removes of each topic's entry.</summary>
    /// <remarks>
    /// Sized for the usual one or few topics (one lock, one bucket; it grows as any does): the default 31 buckets and a
    /// lock per core were a tenth of an idle connection's memory (docs/benchmarks.md, "Idle connections (round 2)").
    /// </remarks>
    internal ConcurrentDictionary<string, Subscription> Subscriptions { get; } = new(concurrencyLevel: 1, capacity: 1, StringComparer.Ordinal);

    /// <summary>
    /// Orders a subscription's registration against the connection's close: a subscribe that registers under it
    /// after <see cref="PubSubBroker.Disconnect"/> or an operator's close marked the connection closed is refused, and
    /// one that registered before is in the set that Disconnect removes, and among the topics the close was checked on.
    /// A stream connection shares its parent's lock, so one close decides for the family at one instant.
    /// </summary>
    internal object SubscriptionsLock { get; }

    /// <summary>Set under <see cref="SubscriptionsLock"/> by a close; a stream is closed with its parent.</summary>
    internal bool IsClosed => _closed || (_parent?._closed ?? false);

    /// <summary>
    /// Subscriptions of this connection and of its hub streams, each stream counted as one even before it subscribes:
    /// what <see cref="LimitOptions.MaxSubscriptionsPerConnection"/> bounds.
    /// </summary>
    internal int SubscriptionLoad
    {
        get
        {
            lock (SubscriptionsLock)
            {
                return Subscriptions.Count + _streams.Sum(s => Math.Max(1, s.Subscriptions.Count));
            }
        }
    }

    /// <summary>Marks the connection closed and returns the subscriptions it had.</summary>
    internal List<Subscription> Close()
    {
        lock (SubscriptionsLock)
        {
            _closed = true;
            _parent?._streams.Remove(this);
            return [.. Subscriptions.Values];
        }
    }

    /// <summary>Adds a hub stream under this connection; false when this one is closing.</summary>
    internal bool AddStream(BrokerConnection stream)
    {
        lock (SubscriptionsLock)
        {
            if (IsClosed)
            {
                return false;
            }

            _streams.Add(stream);
            return true;
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
    /// Closes the connection at an operator's request if <paramref name="mayClose"/> allows it for the topics it (and
    /// each of its hub streams) is subscribed to at this instant: what is queued goes first, then the notice with
    /// <paramref name="reason"/>, then the transport closes. Decided and marked under <see cref="SubscriptionsLock"/>,
    /// so a subscribe racing the close is either among the topics checked or refused.
    /// </summary>
    internal CloseOutcome RequestClose(string reason, Func<IReadOnlyCollection<string>, bool> mayClose)
    {
        BrokerConnection[] streams;
        lock (SubscriptionsLock)
        {
            if (IsClosed || Outbound.IsCompleted)
            {
                return CloseOutcome.NotFound;
            }

            var topics = new HashSet<string>(Subscriptions.Keys, StringComparer.Ordinal);
            foreach (var stream in _streams)
            {
                topics.UnionWith(stream.Subscriptions.Keys);
            }

            if (!mayClose(topics))
            {
                return CloseOutcome.Refused;
            }

            _closed = true;
            streams = [.. _streams];
        }

        foreach (var stream in streams)
        {
            stream.Outbound.Complete();
        }

        Outbound.Complete(OutboundFrame.ForDisconnected(reason));
        CloseRequested?.Invoke();
        return CloseOutcome.Closed;
    }

    /// <summary>How it is listed: with its hub streams' topics, which are its own as far as seeing and closing it go.</summary>
    internal Cluster.ConnectionDetails Describe(string node)
    {
        IEnumerable<string> topics;
        lock (SubscriptionsLock)
        {
            topics = [.. Subscriptions.Keys, .. _streams.SelectMany(s => s.Subscriptions.Keys)];
        }

        return new(Id, node, Info.Transport, Info.ClientIp, Info.UserAgent, ConnectedAt, [.. topics.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)], Delivered, Outbound.Dropped, Outbound.Count);
    }

    internal ConnectionStats Stats() => new(Id, Info.Transport, Info.ClientIp, ConnectedAt, Subscriptions.Count, Outbound.Count, Delivered, Outbound.Dropped);
}
