namespace PubSub.Core.Delivery;

/// <summary>
/// The one queue budget of a connection whose hub <c>Stream</c> invocations have queues of their own (PROTOCOL.md §4:
/// a hub client's streams count against its connection's queue budget): the events, and their payload bytes, queued
/// in the connection's queue and in its streams' queues together stay within <see cref="QueueOptions.Capacity"/> and
/// <see cref="QueueOptions.MaxBytes"/>, however many streams it opens. Made by
/// <see cref="OutboundQueue.ShareBudget"/> when the first stream joins; a connection without streams has none and
/// counts in its own queue alone.
/// </summary>
/// <remarks>
/// Lock order: a member queue's lock, then this one's; never the other way round, and never two queues' locks at once
/// (a queue that must make room in another one lets go of its own first: <see cref="OutboundQueue.TryEnqueueEvent"/>).
/// </remarks>
internal sealed class QueueBudget(int capacity, long maxBytes)
{
    private readonly object _lock = new();
    private int _events;
    private long _bytes;
    private OutboundQueue[] _members = []; // copied on change: read without the lock

    /// <summary>Events queued across the members now.</summary>
    public int Events
    {
        get
        {
            lock (_lock)
            {
                return _events;
            }
        }
    }

    /// <summary>Payload bytes of the events queued across the members now.</summary>
    public long Bytes
    {
        get
        {
            lock (_lock)
            {
                return _bytes;
            }
        }
    }

    /// <summary>The queues drawing on this budget.</summary>
    public IReadOnlyList<OutboundQueue> Members => Volatile.Read(ref _members);

    /// <summary>Takes room for one event of <paramref name="bytes"/>; false when the budget is spent (one event alone always fits, as in a queue).</summary>
    public bool TryTake(int bytes)
    {
        lock (_lock)
        {
            if (_events >= capacity || (_events > 0 && _bytes + bytes > maxBytes))
            {
                return false;
            }

            _events++;
            _bytes += bytes;
            return true;
        }
    }

    /// <summary>Gives back the room of events that left a member's queue (written, dropped, or the member left).</summary>
    public void Release(int events, long bytes)
    {
        if (events == 0)
        {
            return;
        }

        lock (_lock)
        {
            _events -= events;
            _bytes -= bytes;
        }
    }

    /// <summary>Adds a member with what it has queued (called under that member's lock).</summary>
    public void Join(OutboundQueue member, int events, long bytes)
    {
        lock (_lock)
        {
            _members = [.. _members, member];
            _events += events;
            _bytes += bytes;
        }
    }

    /// <summary>Removes a member and the room its queued events held (called under that member's lock).</summary>
    public void Leave(OutboundQueue member, int events, long bytes)
    {
        lock (_lock)
        {
            _members = [.. _members.Where(m => m != member)];
            _events -= events;
            _bytes -= bytes;
        }
    }

    /// <summary>
    /// The member holding the most queued events, where room is made when the budget is spent (the queue that has
    /// fallen furthest behind loses its oldest first). Read without the members' locks: a hint, which the caller acts on
    /// under that member's lock.
    /// </summary>
    public OutboundQueue? Fullest()
    {
        OutboundQueue? fullest = null;
        var most = 0;
        foreach (var member in Members)
        {
            var queued = member.QueuedEvents;
            if (queued > most)
            {
                (fullest, most) = (member, queued);
            }
        }

        return fullest;
    }
}
