namespace PubSub.Core.Delivery;

/// <summary>
/// One connection's subscription to one topic. It starts <em>pending</em>: live events are held back while
/// the broker reads the replay from history, then <see cref="Activate"/> queues ack, replay and the held-back
/// events newer than the replay, in that order, and the subscription goes live. That is the whole gap-free,
/// duplicate-free seam between replay and live, and it works the same for every engine.
/// </summary>
internal sealed class Subscription(BrokerConnection connection, string topic, string clientId, DateTimeOffset subscribedAt)
{
    private const int Pending = 0, Live = 1, Closed = 2;

    private readonly object _lock = new();
    private int _state;
    private List<PublishedMessage>? _held = [];
    private bool _deletedWhilePending;

    public BrokerConnection Connection { get; } = connection;

    public string Topic { get; } = topic;

    public string ClientId { get; } = clientId;

    public DateTimeOffset SubscribedAt { get; } = subscribedAt;

    /// <summary>Called by the fan-out, one message at a time per topic, in seq order.</summary>
    public void Offer(PublishedMessage message)
    {
        // Fast path: live subscriptions take no lock of their own. Close happens under the fan-out's topic
        // lock, which the caller holds, so a closed subscription is never offered anything here.
        if (Volatile.Read(ref _state) == Live)
        {
            Connection.Outbound.TryEnqueueEvent(message);
            return;
        }

        lock (_lock)
        {
            switch (_state)
            {
                case Live:
                    Connection.Outbound.TryEnqueueEvent(message);
                    break;
                case Pending:
                    _held!.Add(message);
                    break;
            }
        }
    }

    /// <summary>
    /// Queues <paramref name="ack"/>, then <paramref name="replay"/>, then every held-back event with seq &gt;
    /// <paramref name="latestSeq"/> (older ones were in history when it was read), and goes live.
    /// </summary>
    public void Activate(OutboundFrame? ack, IReadOnlyList<PublishedMessage> replay, long latestSeq)
    {
        lock (_lock)
        {
            var queue = Connection.Outbound;
            if (ack is { } a)
            {
                queue.TryEnqueue(a);
            }

            foreach (var m in replay)
            {
                queue.TryEnqueueEvent(m);
            }

            foreach (var m in _held!)
            {
                if (m.Seq > latestSeq)
                {
                    queue.TryEnqueueEvent(m);
                }
            }

            _held = null;
            if (_deletedWhilePending)
            {
                queue.TryEnqueue(OutboundFrame.ForTopicDeleted(Topic));
                _state = Closed;
            }
            else if (_state == Pending)
            {
                Volatile.Write(ref _state, Live);
            }
        }
    }

    /// <summary>The topic was deleted: tell the connection (after the ack, if the subscription is still pending).</summary>
    public void TopicDeleted()
    {
        lock (_lock)
        {
            if (_state == Pending)
            {
                _deletedWhilePending = true;
                return;
            }

            if (_state == Live)
            {
                _state = Closed;
                Connection.Outbound.TryEnqueue(OutboundFrame.ForTopicDeleted(Topic));
            }
        }
    }

    /// <summary>Stops all delivery (unsubscribe or disconnect).</summary>
    public void Close()
    {
        lock (_lock)
        {
            _state = Closed;
            _held = null;
        }
    }

    public SubscriberInfo Describe() =>
        new(ClientId, Connection.Id, Connection.Info.Transport, SubscribedAt, Connection.Info.ClientIp, Connection.Info.UserAgent);
}
