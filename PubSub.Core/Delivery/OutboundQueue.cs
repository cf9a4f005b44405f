using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;

namespace PubSub.Core.Delivery;

/// <summary>
/// A connection's bounded outgoing queue: many writers (publishers, the connection's own request handler), one
/// reader (the connection's send loop).
/// </summary>
/// <remarks>
/// <para>Why not <c>Channel.CreateBounded</c>: the overflow policy must drop only <em>events</em>, never a
/// reply or a notice that sits among them (an ack must not vanish because a topic is busy), and the reader
/// takes everything queued in one lock acquisition so it can write a batch before it flushes. Both need the
/// queue's internals; the rest (one lock, a ring, an allocation-free waiter) is what the bounded channel does
/// too.</para>
/// <para>Longer than the house's 400 lines on purpose: the ring, the overflow policy, the shared budget of a hub
/// connection's streams, the reply backpressure and the reader's wake-up all read and write the same state under the
/// one lock, and each of them is only correct beside the others; split up, each piece would need the others' internals.</para>
/// <para>Writers never wait. <see cref="TryEnqueueEvent"/> applies the overflow policy; replies and notices
/// are bounded separately by the same capacity, and a connection that lets that many pile up (it sends
/// requests but never reads) is overflowed whatever the policy.</para>
/// </remarks>
internal sealed class OutboundQueue : IValueTaskSource<bool>
{
    private readonly object _lock = new();
    private readonly int _capacity;
    private readonly OverflowPolicy _policy;
    private readonly long _maxBytes;
    private long _eventBytes; // payload bytes of the queued events, bounded by _maxBytes beside _capacity
    private QueueBudget? _budget; // the connection's, when it has hub streams: what this queue's events also draw on
    private OutboundFrame[] _ring;
    private int _head;
    private int _count;
    private int _events;
    private long _droppedUnreported;
    private long _droppedTotal;
    private bool _completed;
    private bool _readerWaiting;
    // Tries to make room in another member of a shared budget before this queue drops its own or the incoming event.
    private const int MaxEvictions = 8;
    private ManualResetValueTaskSourceCore<bool> _waiter = new() { RunContinuationsAsynchronously = true };
    // Completed when replies drop below ReplyPause (or the queue ends); made only when a request reader waits.
    private TaskCompletionSource? _replyRoom;

    public OutboundQueue(int capacity, OverflowPolicy policy, long maxBytes = long.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
        _policy = policy;
        _maxBytes = maxBytes;
        _ring = new OutboundFrame[Math.Min(capacity, 4)]; // grows on demand: idle connections stay small
    }

    /// <summary>Raised once, outside the queue's lock, when the <see cref="OverflowPolicy.Disconnect"/> policy fires.</summary>
    public event Action? Overflowed;

    /// <summary>Events dropped over the queue's life.</summary>
    public long Dropped => Interlocked.Read(ref _droppedTotal);

    /// <summary>
    /// Replies and notices waiting, at which <see cref="WaitForReplyRoomAsync"/> holds the connection's request
    /// reader: half the capacity (at least 1).
    /// </summary>
    public int ReplyPause => Math.Max(1, _capacity / 2);

    /// <summary>Frames waiting to be sent.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Events waiting to be sent (a read without the lock: a figure, not a promise).</summary>
    internal int QueuedEvents => Volatile.Read(ref _events);

    /// <summary>
    /// Makes <paramref name="member"/> (a new hub stream's queue) draw on this queue's budget, which becomes the
    /// connection's for it and every other stream (<see cref="QueueBudget"/>). Each lock is taken alone.
    /// </summary>
    internal void ShareBudget(OutboundQueue member)
    {
        QueueBudget budget;
        lock (_lock)
        {
            if (_budget is null)
            {
                _budget = new QueueBudget(_capacity, _maxBytes);
                _budget.Join(this, _events, _eventBytes);
            }

            budget = _budget;
        }

        lock (member._lock)
        {
            member._budget = budget;
            budget.Join(member, member._events, member._eventBytes);
        }
    }

    /// <summary>
    /// Leaves the shared budget, giving back the room of what is still queued here (a closed stream's leftovers are
    /// never read). Called when the connection is disconnected; a queue without a shared budget is unaffected.
    /// </summary>
    internal void LeaveBudget()
    {
        lock (_lock)
        {
            _budget?.Leave(this, _events, _eventBytes);
            _budget = null;
        }
    }

    /// <summary>Payload bytes of the events waiting (replies are small and not counted). Walks the queue under its lock: for metrics, not the hot path.</summary>
    public long QueuedEventBytes()
    {
        long bytes = 0;
        lock (_lock)
        {
            for (var i = 0; i < _count; i++)
            {
                bytes += _ring[(_head + i) % _ring.Length].Message?.Payload.Length ?? 0;
            }
        }

        return bytes;
    }

    /// <summary>True once <see cref="Complete"/> ran or the queue overflowed under the disconnect policy.</summary>
    public bool IsCompleted => Volatile.Read(ref _completed);

    /// <summary>Offers an event. Never waits. False when the queue is completed or it overflowed and disconnected.</summary>
    /// <remarks>
    /// With a shared <see cref="QueueBudget"/> (a hub connection with streams), a spent budget under
    /// <see cref="OverflowPolicy.DropOldest"/> drops the oldest event of the member that holds the most, which may be
    /// another queue: that one is trimmed after this queue's lock is let go (never two queues' locks at once), then
    /// the offer is made again. Under <see cref="OverflowPolicy.Disconnect"/> the whole connection overflows.
    /// </remarks>
    public bool TryEnqueueEvent(PublishedMessage message)
    {
        var size = message.Payload.Length;
        for (var evictions = 0; ; evictions++)
        {
            OutboundQueue? elsewhere = null;
            QueueBudget? family;
            bool wake = false, overflowed = false;
            lock (_lock)
            {
                if (_completed)
                {
                    return false;
                }

                family = _budget;
                var droppedIncoming = false;
                while (!TryTakeRoomLocked(size))
                {
                    if (_policy == OverflowPolicy.Disconnect)
                    {
                        overflowed = OverflowLocked(1);
                        break;
                    }

                    if (family?.Fullest() is { } fullest && fullest != this && evictions < MaxEvictions)
                    {
                        elsewhere = fullest;
                        break;
                    }

                    if (_events == 0)
                    {
                        // Nothing of this queue's to drop and no room made elsewhere in time: the incoming event is the one dropped.
                        _droppedUnreported++;
                        Interlocked.Increment(ref _droppedTotal);
                        droppedIncoming = true;
                        break;
                    }

                    DropOldestEventLocked();
                }

                if (!overflowed && elsewhere is null && !droppedIncoming)
                {
                    AppendLocked(OutboundFrame.ForEvent(message));
                    _events++;
                    _eventBytes += size;
                }

                if (elsewhere is null)
                {
                    wake = TakeWaiterLocked();
                }
            }

            Notify(wake, overflowed);
            if (overflowed)
            {
                OverflowFamily(family);
                return false;
            }

            if (elsewhere is null)
            {
                return true;
            }

            elsewhere.DropOldestForBudget();
        }
    }

    // Room for one more event of `size` bytes: in this queue (full by count, or by bytes while another event is queued:
    // one event alone always fits, it is under the frame limit), and in the connection's budget when it shares one.
    private bool TryTakeRoomLocked(int size) =>
        _events < _capacity && (_events == 0 || _eventBytes + size <= _maxBytes) && (_budget?.TryTake(size) ?? true);

    /// <summary>
    /// Adds <paramref name="count"/> events dropped elsewhere for this connection (a hub stream's own queue) to the next
    /// <see cref="OutboundKind.SlowConsumer"/> notice this queue's reader gets: reports coalesce into one, so that a
    /// client that reads nothing is not disconnected by a pile of drop notices under <see cref="OverflowPolicy.DropOldest"/>.
    /// </summary>
    public void ReportDropped(long count)
    {
        bool wake;
        lock (_lock)
        {
            if (_completed || count <= 0)
            {
                return;
            }

            _droppedUnreported += count;
            wake = TakeWaiterLocked();
        }

        Notify(wake, false);
    }

    /// <summary>Queues a reply or a notice (never dropped). False when the queue is completed.</summary>
    public bool TryEnqueue(OutboundFrame frame)
    {
        if (frame.Kind == OutboundKind.Event)
        {
            return TryEnqueueEvent(frame.Message!);
        }

        bool wake, overflowed = false;
        lock (_lock)
        {
            if (_completed)
            {
                return false;
            }

            if (_count - _events >= _capacity)
            {
                overflowed = OverflowLocked(0);
                wake = TakeWaiterLocked();
            }
            else
            {
                AppendLocked(frame);
                wake = TakeWaiterLocked();
            }
        }

        Notify(wake, overflowed);
        return !overflowed;
    }

    /// <summary>
    /// Ends the queue: <paramref name="final"/>, if given, is queued last, and once the reader has taken
    /// everything <see cref="WaitToReadAsync"/> returns false. Later enqueues are refused.
    /// </summary>
    public void Complete(OutboundFrame? final = null)
    {
        bool wake;
        lock (_lock)
        {
            if (_completed)
            {
                return;
            }

            if (final is { } f)
            {
                AppendLocked(f);
            }

            _completed = true;
            ReleaseReplyRoomLocked();
            wake = TakeWaiterLocked();
        }

        Notify(wake, false);
    }

    /// <summary>
    /// Backpressure on requests: completes at once unless <see cref="ReplyPause"/> replies and notices are waiting
    /// to be sent, else when the reader has taken them below that (or the queue ended). A transport awaits it before
    /// it reads the connection's next request, so a client that sends faster than it reads its replies is slowed
    /// down by TCP, not disconnected, and the reply bound is reached only by notices sent to a client that reads nothing.
    /// </summary>
    public ValueTask WaitForReplyRoomAsync()
    {
        lock (_lock)
        {
            if (_completed || _count - _events < ReplyPause)
            {
                return ValueTask.CompletedTask;
            }

            _replyRoom ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return new ValueTask(_replyRoom.Task);
        }
    }

    /// <summary>Waits until a frame is queued (true) or the queue is completed and empty (false). One reader only.</summary>
    public ValueTask<bool> WaitToReadAsync()
    {
        lock (_lock)
        {
            if (_count > 0 || _droppedUnreported > 0)
            {
                return new ValueTask<bool>(true);
            }

            if (_completed)
            {
                return new ValueTask<bool>(false);
            }

            _waiter.Reset();
            _readerWaiting = true;
            return new ValueTask<bool>(this, _waiter.Version);
        }
    }

    /// <summary>
    /// Moves up to <paramref name="max"/> queued frames into <paramref name="batch"/>, oldest first. When events
    /// were dropped since the last drain, a <see cref="OutboundKind.SlowConsumer"/> notice with their count comes first.
    /// </summary>
    public int Drain(List<OutboundFrame> batch, int max = int.MaxValue)
    {
        lock (_lock)
        {
            var start = batch.Count;
            CollectionsMarshal.SetCount(batch, start + Math.Min(max, _count + (_droppedUnreported > 0 ? 1 : 0)));
            var taken = DrainLocked(CollectionsMarshal.AsSpan(batch)[start..]);
            CollectionsMarshal.SetCount(batch, start + taken);
            return taken;
        }
    }

    /// <summary>
    /// Moves as many queued frames as <paramref name="into"/> holds, oldest first, the same way; for send loops
    /// that drain into a pooled array, so that an idle connection keeps no batch buffer.
    /// </summary>
    public int Drain(Span<OutboundFrame> into)
    {
        lock (_lock)
        {
            return DrainLocked(into);
        }
    }

    private int DrainLocked(Span<OutboundFrame> into)
    {
        var taken = 0;
        if (_droppedUnreported > 0 && into.Length > 0)
        {
            into[taken++] = OutboundFrame.ForSlowConsumer(_droppedUnreported, fatal: false);
            _droppedUnreported = 0;
        }

        var (events, bytes) = (0, 0L);
        while (_count > 0 && taken < into.Length)
        {
            var frame = _ring[_head];
            _ring[_head] = default;
            _head = (_head + 1) % _ring.Length;
            _count--;
            if (frame.Kind == OutboundKind.Event)
            {
                events++;
                bytes += frame.Message!.Payload.Length;
            }

            into[taken++] = frame;
        }

        _events -= events;
        _eventBytes -= bytes;
        _budget?.Release(events, bytes);

        if (_count - _events < ReplyPause)
        {
            ReleaseReplyRoomLocked();
        }

        return taken;
    }

    private void ReleaseReplyRoomLocked()
    {
        // Continuations run asynchronously, so completing under the lock runs no foreign code here.
        _replyRoom?.TrySetResult();
        _replyRoom = null;
    }

    private void AppendLocked(in OutboundFrame frame)
    {
        if (_count == _ring.Length)
        {
            // Grow toward the capacity (events) plus room for replies; the ring starts small so idle connections stay cheap.
            var grown = new OutboundFrame[Math.Max(_ring.Length * 2, 4)];
            for (var i = 0; i < _count; i++)
            {
                grown[i] = _ring[(_head + i) % _ring.Length];
            }

            _ring = grown;
            _head = 0;
        }

        _ring[(_head + _count) % _ring.Length] = frame;
        _count++;
    }

    private void DropOldestEventLocked()
    {
        // Usually the head is an event; replies and notices among the events are rare, so a short scan is fine.
        for (var i = 0; i < _count; i++)
        {
            var index = (_head + i) % _ring.Length;
            if (_ring[index].Kind != OutboundKind.Event)
            {
                continue;
            }

            var size = _ring[index].Message!.Payload.Length;
            _eventBytes -= size;
            _budget?.Release(1, size);

            // Close the hole by shifting the frames before it one step toward the tail (i is almost always 0).
            for (var j = i; j > 0; j--)
            {
                _ring[(_head + j) % _ring.Length] = _ring[(_head + j - 1) % _ring.Length];
            }

            _ring[_head] = default;
            _head = (_head + 1) % _ring.Length;
            _count--;
            _events--;
            _droppedUnreported++;
            Interlocked.Increment(ref _droppedTotal);
            return;
        }
    }

    private bool OverflowLocked(long incoming)
    {
        var dropped = _events + incoming;
        Interlocked.Add(ref _droppedTotal, dropped);
        _budget?.Release(_events, _eventBytes);
        Array.Clear(_ring);
        _head = 0;
        _count = 0;
        _events = 0;
        _eventBytes = 0;
        _droppedUnreported = 0;
        AppendLocked(OutboundFrame.ForSlowConsumer(dropped, fatal: true));
        _completed = true;
        ReleaseReplyRoomLocked();
        return true;
    }

    /// <summary>Drops this queue's oldest event, if it has one, to make room in the budget it shares (another member's offer).</summary>
    private void DropOldestForBudget()
    {
        bool wake;
        lock (_lock)
        {
            if (_events == 0)
            {
                return;
            }

            DropOldestEventLocked();
            wake = TakeWaiterLocked(); // its reader reports the drop
        }

        Notify(wake, false);
    }

    /// <summary>Under <see cref="OverflowPolicy.Disconnect"/>, a spent shared budget is the connection's overflow: every member overflows.</summary>
    private void OverflowFamily(QueueBudget? family)
    {
        foreach (var member in family?.Members ?? [])
        {
            if (member == this)
            {
                continue;
            }

            bool wake, overflowed;
            lock (member._lock)
            {
                if (member._completed)
                {
                    continue;
                }

                overflowed = member.OverflowLocked(0);
                wake = member.TakeWaiterLocked();
            }

            member.Notify(wake, overflowed);
        }
    }

    private bool TakeWaiterLocked()
    {
        if (!_readerWaiting)
        {
            return false;
        }

        _readerWaiting = false;
        return true;
    }

    private void Notify(bool wake, bool overflowed)
    {
        if (wake)
        {
            _waiter.SetResult(true);
        }

        if (overflowed)
        {
            Overflowed?.Invoke();
        }
    }

    bool IValueTaskSource<bool>.GetResult(short token) => _waiter.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _waiter.GetStatus(token);

    void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _waiter.OnCompleted(continuation, state, token, flags);
}
