namespace PubSub.Bench.Transports;

/// <summary>
/// Holds a subscriber's reader between two reads while paused (the stalled subscriber of the slow-consumer
/// scenario), so the server sees a client that stops reading; every subscriber kind shares it.
/// </summary>
internal sealed class ReadGate
{
    private volatile TaskCompletionSource? _paused;

    public bool IsPaused => _paused is not null;

    /// <summary>What a reader awaits before its next read: null while not paused.</summary>
    public Task? Task => _paused?.Task;

    public void Pause() => _paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Resume() => Interlocked.Exchange(ref _paused, null)?.TrySetResult();
}
