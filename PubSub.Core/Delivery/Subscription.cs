using PubSub.Core.Engine;

namespace PubSub.Core.Delivery;

/// <summary>
/// One connection's subscription to one topic, with its position <c>(epoch, last seq)</c>: the last event of
/// that topic life it has queued. The position is what makes delivery exact whatever the engine's bus does:
/// an event at or below it is a duplicate and dropped; one beyond <c>last + 1</c> is a hole, refused here and
/// filled by the fan-out from history (or announced as a gap when history no longer holds it).
/// </summary>
/// <remarks>
/// It starts <em>pending</em>: live events are held back while the broker reads the replay from history, then
/// <see cref="Activate"/> queues ack, replay and the held-back events newer than the replay, in that order, and
/// the subscription goes live. Every member is called under the fan-out's lock of the subscription's topic
/// (<see cref="LocalFanout"/>), which is the only lock guarding this state.
/// </remarks>
internal sealed class Subscription(BrokerConnection connection, string topic, string clientId, DateTimeOffset subscribedAt)
{
    /// <summary>Events held back while pending, at most; beyond, the oldest go and the hole is filled from history.</summary>
    internal const int MaxHeld = 4096;

    private State _state;
    private List<PublishedMessage>? _held = [];
    private List<string?>? _deletedWhilePending; // epochs deleted while pending; null = whichever life

    private enum State : byte
    {
        Pending,
        Live,
        Closed,
    }

    public BrokerConnection Connection { get; } = connection;

    public string Topic { get; } = topic;

    public string ClientId { get; } = clientId;

    public DateTimeOffset SubscribedAt { get; } = subscribedAt;

    /// <summary>The topic life this subscription follows; null while pending.</summary>
    public string? Epoch { get; private set; }

    /// <summary>The seq of the last event queued (or skipped on purpose at subscribe); meaningful once live.</summary>
    public long LastSeq { get; private set; }

    public bool IsLive => _state == State.Live;

    public bool IsClosed => _state == State.Closed;

    /// <summary>Whether this is a live subscription of the topic life <paramref name="epoch"/> (null: any life).</summary>
    public bool Follows(string? epoch) => _state == State.Live && (epoch is null || string.Equals(epoch, Epoch, StringComparison.Ordinal));

    /// <summary>Set when an event was refused as a hole; the fan-out's repair clears it.</summary>
    public bool NeedsRepair { get; set; }

    /// <summary>Offers an event. The fan-out calls it for each event of the topic it receives.</summary>
    public OfferResult Offer(PublishedMessage message)
    {
        switch (_state)
        {
            case State.Live:
                if (!string.Equals(message.Epoch, Epoch, StringComparison.Ordinal))
                {
                    // Another life of the topic (deleted and created again), or the same life reset: the fan-out asks history which.
                    return OfferResult.OtherEpoch;
                }

                if (message.Seq <= LastSeq)
                {
                    return OfferResult.Duplicate;
                }

                if (message.Seq > LastSeq + 1)
                {
                    NeedsRepair = true;
                    return OfferResult.Hole;
                }

                LastSeq = message.Seq;
                Connection.Outbound.TryEnqueueEvent(message);
                return OfferResult.Queued;

            case State.Pending:
                if (_held!.Count >= MaxHeld)
                {
                    _held.RemoveAt(0); // still in history: Activate sees the hole and the fan-out repairs it
                }

                _held.Add(message);
                return OfferResult.Held;

            default:
                return OfferResult.Duplicate;
        }
    }

    /// <summary>
    /// Announces that <paramref name="fromSeq"/>..<paramref name="toSeq"/> are lost (history no longer holds them)
    /// and moves the position past them.
    /// </summary>
    public void Gap(long fromSeq, long toSeq)
    {
        if (_state != State.Live || toSeq <= LastSeq)
        {
            return;
        }

        Connection.Outbound.TryEnqueue(OutboundFrame.ForGap(Topic, Math.Max(fromSeq, LastSeq + 1), toSeq));
        LastSeq = toSeq;
    }

    /// <summary>
    /// Queues <paramref name="ack"/>, then <paramref name="replay"/>, then the held-back events of
    /// <paramref name="epoch"/> with seq &gt; <paramref name="latestSeq"/> (older ones were in history when it
    /// was read), and goes live at position <c>(epoch, latestSeq)</c> or beyond. Returns true when a held-back
    /// event showed a hole that the fan-out must fill. Does nothing when the subscription was closed meanwhile
    /// (a disconnect racing the subscribe).
    /// </summary>
    public bool Activate(OutboundFrame? ack, IReadOnlyList<PublishedMessage> replay, long latestSeq, string epoch)
    {
        if (_state != State.Pending)
        {
            return false;
        }

        var queue = Connection.Outbound;
        if (ack is { } a)
        {
            queue.TryEnqueue(a);
        }

        foreach (var m in replay)
        {
            queue.TryEnqueueEvent(m);
        }

        var held = _held!;
        _held = null;
        Epoch = epoch;
        LastSeq = latestSeq;
        _state = State.Live;
        if (_deletedWhilePending is { } deleted && deleted.Exists(e => e is null || string.Equals(e, epoch, StringComparison.Ordinal)))
        {
            TopicDeleted();
            return false;
        }

        // Held events arrive in seq order from one topic's stream, but a bus may duplicate or skip: Offer sorts that out.
        foreach (var m in held)
        {
            switch (Offer(m))
            {
                case OfferResult.Hole:
                    return true;
                case OfferResult.OtherEpoch:
                    NeedsRepair = true;
                    return true;
            }
        }

        return false;
    }

    /// <summary>
    /// The life this subscription follows went on in a new epoch (<paramref name="reset"/>): tell the connection and
    /// move to <c>(new epoch, seq)</c>; what follows is read from history (<see cref="NeedsRepair"/>). False when the
    /// subscription does not follow <see cref="EpochReset.FromEpoch"/>.
    /// </summary>
    public bool Reset(EpochReset reset, long seq)
    {
        if (!Follows(reset.FromEpoch))
        {
            return false;
        }

        Connection.Outbound.TryEnqueue(OutboundFrame.ForReset(Topic, reset.Epoch, seq));
        Epoch = reset.Epoch;
        LastSeq = seq;
        NeedsRepair = true;
        return true;
    }

    /// <summary>
    /// The topic life <paramref name="epoch"/> was deleted: tell the connection and close, or, while pending,
    /// remember it for <see cref="Activate"/> (the replay read may belong to that life or to the next one).
    /// Returns true when the subscription is closed by it.
    /// </summary>
    public bool TopicDeleted(string? epoch = null)
    {
        switch (_state)
        {
            case State.Pending:
                (_deletedWhilePending ??= []).Add(epoch);
                return false;
            case State.Live when Follows(epoch):
                TopicDeleted();
                return true;
            default:
                return false;
        }
    }

    private void TopicDeleted()
    {
        _state = State.Closed;
        Connection.Outbound.TryEnqueue(OutboundFrame.ForTopicDeleted(Topic));
    }

    /// <summary>Stops all delivery (unsubscribe or disconnect).</summary>
    public void Close()
    {
        _state = State.Closed;
        _held = null;
    }

    public SubscriberInfo Describe() =>
        new(ClientId, Connection.Id, Connection.Info.Transport, SubscribedAt, Connection.Info.ClientIp, Connection.Info.UserAgent, Cluster.NodeIdentity.NodeOf(Connection.Id));
}
