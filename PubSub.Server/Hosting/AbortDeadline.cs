namespace PubSub.Server.Hosting;

/// <summary>
/// Bounds a flush that cannot finish (a slow consumer being disconnected, a shutdown, a client that stopped
/// reading): once armed, the connection is aborted after the delay unless the session ends first. Ending disposes
/// the timer, and a timer already running finds the session ended, so an abort never reaches a connection whose
/// request has completed (its context may be recycled by then). Every transport's session uses one.
/// </summary>
internal sealed class AbortDeadline(TimeProvider time, TimeSpan delay, Action abort)
{
    private readonly Lock _lock = new();
    private ITimer? _timer;
    private bool _ended;

    /// <summary>Starts the countdown; later calls keep the first (earliest) deadline.</summary>
    public void Arm()
    {
        lock (_lock)
        {
            if (_ended || _timer is not null)
            {
                return;
            }

            _timer = time.CreateTimer(static s => ((AbortDeadline)s!).Fire(), this, delay, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The session is over: the deadline will never fire.</summary>
    public void End()
    {
        lock (_lock)
        {
            _ended = true;
            _timer?.Dispose();
            _timer = null;
        }
    }

    private void Fire()
    {
        // Under the lock, so that End cannot complete (and the request finish) while the abort runs.
        lock (_lock)
        {
            if (!_ended)
            {
                abort();
            }
        }
    }
}
