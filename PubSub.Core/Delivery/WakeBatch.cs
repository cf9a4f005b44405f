namespace PubSub.Core.Delivery;

/// <summary>
/// Send-loop wake-ups held back while one thread fans out a burst of publishes, and given out together at its end.
/// </summary>
/// <remarks>
/// <para>Why: a publisher that pipelines many publishes (a closed loop, a batch) used to wake each subscriber's send
/// loop per publish, racing it: the loop drained one or two events per wake-up while the fan-out kept writing into the
/// queue it was reading, and every wake-up is a thread-pool dispatch and often a thread woken from sleep. Held back
/// until the publisher's receive loop has read what its socket already holds, each send loop wakes once per burst and
/// writes it in one batch, the way Redis writes each client's buffer once per event-loop pass.</para>
/// <para>How it stays safe: a hold belongs to the thread that entered it and lives only within a stretch of code that
/// does not yield. The one user (a transport's receive loop) leaves it before every await that would yield and in a
/// finally, so a held wake-up is given out at the latest when that stretch ends: never lost, only later by at most one
/// burst (bounded by the transport). A queue's wake-up is taken once (its reader is marked no longer waiting under
/// the queue's lock), so it is held at most once and later enqueues see the reader already woken.</para>
/// </remarks>
internal sealed class WakeBatch
{
    [ThreadStatic]
    private static WakeBatch? t_current;

    private readonly List<OutboundQueue> _held = [];
    private WakeBatch? _outer;
    private int _thread; // the managed thread id that entered; 0 when not entered

    /// <summary>Whether the calling thread holds wake-ups.</summary>
    internal static bool IsHolding => t_current is not null;

    /// <summary>Holds <paramref name="queue"/>'s wake-up when the calling thread is inside a hold; false otherwise (wake it now).</summary>
    internal static bool TryHold(OutboundQueue queue)
    {
        if (t_current is not { } batch)
        {
            return false;
        }

        batch._held.Add(queue);
        return true;
    }

    /// <summary>Starts holding this thread's wake-ups (nothing when this batch already holds on this thread).</summary>
    public void Enter()
    {
        var thread = Environment.CurrentManagedThreadId;
        if (_thread == thread)
        {
            return;
        }

        if (_thread != 0)
        {
            throw new InvalidOperationException("A wake-up hold was not left before its owner yielded.");
        }

        _outer = t_current;
        t_current = this;
        _thread = thread;
    }

    /// <summary>Stops holding and wakes every send loop held meanwhile (nothing when not entered).</summary>
    public void Leave()
    {
        if (_thread == 0)
        {
            return;
        }

        if (_thread != Environment.CurrentManagedThreadId)
        {
            throw new InvalidOperationException("A wake-up hold must be left on the thread that entered it.");
        }

        t_current = _outer;
        _outer = null;
        _thread = 0;
        foreach (var queue in _held)
        {
            queue.WakeHeld();
        }

        _held.Clear();
        if (_held.Capacity > 1024)
        {
            _held.Capacity = 16; // a burst over many connections: do not keep its list for the connection's life
        }
    }
}
