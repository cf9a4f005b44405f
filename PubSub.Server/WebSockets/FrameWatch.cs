namespace PubSub.Server.WebSockets;

/// <summary>
/// Bounds how long a client message may stay unfinished (<c>PubSub:WebSocket:FrameTimeout</c>): armed when a read of
/// a message whose header has arrived has to wait for more of it, disarmed when its last byte has arrived; if it fires,
/// <paramref name="expired"/> closes the connection. A header that never completes is caught by the keep-alive timeout
/// instead, since no pong can get through behind it. One timer per connection, created on the first such wait (a
/// message that arrives whole never arms it), on the injected clock.
/// </summary>
internal sealed class FrameWatch(TimeProvider time, TimeSpan timeout, Action expired)
{
    private readonly Lock _lock = new();
    private ITimer? _timer;
    private long _armedGeneration; // 0 when disarmed; else which Arm the timer belongs to
    private long _generation;
    private bool _disposed;

    public void Arm()
    {
        if (timeout <= TimeSpan.Zero)
        {
            return;
        }

        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _armedGeneration = ++_generation;
            if (_timer is null)
            {
                _timer = time.CreateTimer(static s => ((FrameWatch)s!).Fire(), this, timeout, Timeout.InfiniteTimeSpan);
            }
            else
            {
                _timer.Change(timeout, Timeout.InfiniteTimeSpan);
            }
        }
    }

    public void Disarm()
    {
        lock (_lock)
        {
            _armedGeneration = 0;
            _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private void Fire()
    {
        lock (_lock)
        {
            // A message that finished just as the timer ran is not cut off.
            if (_disposed || _armedGeneration == 0)
            {
                return;
            }

            _armedGeneration = 0;
        }

        expired();
    }

    /// <summary>The session is over: the watch never fires again.</summary>
    public void End()
    {
        lock (_lock)
        {
            _disposed = true;
            _timer?.Dispose();
        }
    }
}
