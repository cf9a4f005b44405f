using PubSub.Core;
using PubSub.Core.Delivery;

namespace PubSub.Dashboard.Services;

/// <summary>
/// The subscriber view's broker subscription, one per circuit (scoped): a broker connection like any other
/// transport's, with its bounded queue, drained by one loop into a capped in-memory list. The page reads
/// snapshots on a timer and redraws a few times a second, whatever the message rate; at 10,000 messages a
/// second the loop only moves references, memory stays bounded by <see cref="Capacity"/>, and a queue
/// overflow drops the oldest events, which shows as a seq gap.
/// </summary>
/// <remarks>
/// Only the drain loop changes the feeds and the list (under <see cref="_lock"/>). Subscribe and unsubscribe
/// put a marker frame in the queue through the broker's ack hook, so the loop learns of them in queue order:
/// before the first event of a new subscription, after the last event of a removed one. The one exception: a
/// subscribe that finds the connection ended by the broker starts a fresh one and clears the feeds itself, and the
/// ended connection's loop then only drains what is left.
/// </remarks>
public sealed class LiveSubscriber : IAsyncDisposable
{
    /// <summary>Messages kept for display, newest first.</summary>
    public const int Capacity = 500;

    private readonly PubSubBroker _broker;
    private readonly TimeProvider _time;
    private readonly object _lock = new();
    private readonly ReceivedMessage?[] _ring = new ReceivedMessage?[Capacity];
    private readonly Dictionary<string, TopicFeed> _feeds = new(StringComparer.Ordinal);
    private BrokerConnection? _connection;
    private Task? _loop;
    private int _next;
    private int _count;
    private long _version;
    private long _dropped;
    private bool _disposed;

    public LiveSubscriber(PubSubBroker broker, TimeProvider time)
    {
        _broker = broker;
        _time = time;
        ClientId = $"dashboard-{Guid.NewGuid().ToString("N")[..8]}";
    }

    /// <summary>The client id this view subscribes with (shown in the topic's subscriber list).</summary>
    public string ClientId { get; }

    /// <summary>Changes whenever something visible changed: a cheap "redraw needed?" check for the page's timer.</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>True while the broker connection is open.</summary>
    public bool IsConnected => _connection is { IsCompleted: false };

    /// <summary>Events the broker dropped because this view's queue was full.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Why the broker ended this view's connection (the <c>Disconnect</c> overflow policy), until the next subscribe.</summary>
    public string? DisconnectReason { get; private set; }

    /// <summary>
    /// Subscribes to <paramref name="topic"/>, replaying its newest <paramref name="lastN"/> messages first.
    /// Throws <see cref="PubSubException"/> (BadRequest, TopicNotFound).
    /// </summary>
    public async Task<SubscribeOutcome> SubscribeAsync(string topic, int lastN, CancellationToken cancellationToken = default)
    {
        var connection = EnsureConnected();
        DisconnectReason = null;
        return await _broker.SubscribeAsync(
            connection,
            topic,
            ClientId,
            Math.Max(0, lastN),
            ack: outcome => OutboundFrame.ForReply(new Subscribed(outcome)),
            cancellationToken: cancellationToken);
    }

    /// <summary>Ends the subscription; its counters go once the queue has caught up with it.</summary>
    public async Task UnsubscribeAsync(string topic, CancellationToken cancellationToken = default)
    {
        if (_connection is not { } connection)
        {
            return;
        }

        try
        {
            await _broker.UnsubscribeAsync(connection, topic, OutboundFrame.ForReply(new Unsubscribed(topic)), cancellationToken);
        }
        catch (PubSubException ex) when (ex.Code == PubSubErrorCode.TopicNotFound)
        {
            // Deleted meanwhile: the subscription is gone anyway; forget its feed.
            connection.TrySend(OutboundFrame.ForReply(new Unsubscribed(topic)));
        }
    }

    /// <summary>The subscribed topics (and deleted ones not yet dismissed), by name.</summary>
    public IReadOnlyList<TopicFeed> Feeds()
    {
        lock (_lock)
        {
            return _feeds.Values.OrderBy(f => f.Topic, StringComparer.Ordinal).ToList();
        }
    }

    /// <summary>The kept messages, newest first.</summary>
    public IReadOnlyList<ReceivedMessage> Messages()
    {
        lock (_lock)
        {
            var result = new ReceivedMessage[_count];
            for (var i = 0; i < _count; i++)
            {
                result[i] = _ring[(_next - 1 - i + Capacity) % Capacity]!;
            }

            return result;
        }
    }

    /// <summary>Forgets the kept messages (counters stay).</summary>
    public void Clear()
    {
        lock (_lock)
        {
            Array.Clear(_ring);
            _count = 0;
            _next = 0;
        }

        Interlocked.Increment(ref _version);
    }

    /// <summary>Forgets a deleted topic's feed.</summary>
    public void Dismiss(string topic)
    {
        lock (_lock)
        {
            if (_feeds.TryGetValue(topic, out var feed) && feed.Deleted)
            {
                _feeds.Remove(topic);
            }
        }

        Interlocked.Increment(ref _version);
    }

    public async ValueTask DisposeAsync()
    {
        Task? loop;
        lock (_lock)
        {
            _disposed = true;
            loop = _loop;
        }

        if (_connection is { } connection)
        {
            _broker.Disconnect(connection);
        }

        if (loop is not null)
        {
            await loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private BrokerConnection EnsureConnected()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            // A connection the broker has ended (the Disconnect overflow policy, an operator) is finished even while its
            // loop has not wound up yet: a subscribe must not land on it, or it would be lost with it.
            if (_connection is null || _connection.IsCompleted)
            {
                _feeds.Clear();
                // The loop gets this connection, not the field: by the time it starts, a later subscribe may have replaced it.
                var connection = _broker.Connect("dashboard", userAgent: "PubSub dashboard (subscriber view)");
                _connection = connection;
                _loop = Task.Run(() => DrainAsync(connection));
            }

            return _connection;
        }
    }

    private async Task DrainAsync(BrokerConnection connection)
    {
        var batch = new List<OutboundFrame>(256);
        while (await connection.WaitToReadAsync())
        {
            connection.Drain(batch, 1024);
            var events = 0;
            var now = _time.GetUtcNow();
            lock (_lock)
            {
                // Once a subscribe has replaced this connection (see EnsureConnected), what is left in its queue no
                // longer speaks for the view: its feeds, reason and counts are the new connection's.
                foreach (var frame in ReferenceEquals(_connection, connection) ? batch : [])
                {
                    switch (frame.Kind)
                    {
                        case OutboundKind.Event:
                            events++;
                            OnEventLocked(frame.Message!, now);
                            break;
                        case OutboundKind.Reply when frame.Reply is Subscribed s:
                            if (!_feeds.TryGetValue(s.Outcome.Topic, out var existing) || existing.Deleted)
                            {
                                // Replayed events have seq <= Outcome.Seq: start counting gaps from the first one.
                                _feeds[s.Outcome.Topic] = new TopicFeed(s.Outcome.Topic, 0, 0, 0, s.Outcome.Replayed > 0 ? -1 : s.Outcome.Seq, false);
                            }

                            break;
                        case OutboundKind.Reply when frame.Reply is Unsubscribed u:
                            _feeds.Remove(u.Topic);
                            break;
                        case OutboundKind.TopicDeleted:
                            if (_feeds.TryGetValue(frame.Topic!, out var deleted))
                            {
                                _feeds[frame.Topic!] = deleted with { Deleted = true };
                            }

                            break;
                        case OutboundKind.Reset:
                            // The topic went on in a new epoch (the store lost messages): its seqs start over from this one.
                            if (_feeds.TryGetValue(frame.Topic!, out var reset))
                            {
                                _feeds[frame.Topic!] = reset with { LastSeq = frame.Reset.Seq };
                            }

                            break;
                        case OutboundKind.Disconnected:
                            DisconnectReason = $"Disconnected by an operator: {frame.Reason}. Subscribe again to resume.";
                            break;
                        case OutboundKind.SlowConsumer:
                            Interlocked.Add(ref _dropped, frame.Count);
                            if (frame.Fatal)
                            {
                                DisconnectReason = $"Disconnected by the server: this view fell behind ({frame.Count} events dropped). Subscribe again to resume.";
                            }

                            break;
                    }
                }
            }

            connection.CountDelivered(events);
            batch.Clear();
            Interlocked.Increment(ref _version);
        }

        // The queue ended: disposal, or the broker's Disconnect overflow policy. Either way the connection is
        // finished; forget it so the next subscribe opens a fresh one.
        _broker.Disconnect(connection);
        lock (_lock)
        {
            if (ReferenceEquals(_connection, connection))
            {
                _connection = null;
                _feeds.Clear();
            }
        }

        Interlocked.Increment(ref _version);
    }

    private void OnEventLocked(PublishedMessage message, DateTimeOffset now)
    {
        if (!_feeds.TryGetValue(message.Topic, out var feed) || feed.Deleted)
        {
            return;
        }

        var missing = feed.LastSeq >= 0 && message.Seq > feed.LastSeq + 1 ? message.Seq - feed.LastSeq - 1 : 0;
        _feeds[message.Topic] = feed with
        {
            Received = feed.Received + 1,
            Gaps = feed.Gaps + (missing > 0 ? 1 : 0),
            Missing = feed.Missing + missing,
            LastSeq = message.Seq,
        };

        _ring[_next] = new ReceivedMessage(message, missing, now);
        _next = (_next + 1) % Capacity;
        _count = Math.Min(_count + 1, Capacity);
    }

    /// <summary>Queue marker: a subscription began (queued before its replay).</summary>
    private sealed record Subscribed(SubscribeOutcome Outcome);

    /// <summary>Queue marker: a subscription ended (queued after its last event).</summary>
    private sealed record Unsubscribed(string Topic);
}
