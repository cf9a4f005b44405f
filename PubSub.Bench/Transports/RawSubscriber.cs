using PubSub.Bench.Measurement;

namespace PubSub.Bench.Transports;

/// <summary>
/// What the raw-socket subscribers (<c>/ws</c>, JSON hub) share: a reader task over <see cref="RawWebSocket"/> that
/// honours the <see cref="ReadGate"/>, a subscribe that completes when the protocol's replies say so, and close.
/// A subclass sends its subscribe requests and reads each text message.
/// </summary>
internal abstract class RawSubscriber(RawWebSocket ws, IEventSink sink) : IBenchSubscriber
{
    private readonly ReadGate _gate = new();
    private Task? _reader;

    /// <summary>Completed by the subclass when every subscription is confirmed, failed when one is refused.</summary>
    protected TaskCompletionSource Subscribed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    protected RawWebSocket Socket => ws;

    protected IEventSink Sink => sink;

    public async Task SubscribeAsync(CancellationToken cancellationToken)
    {
        _reader = Task.Run(RunAsync, CancellationToken.None);
        await SendSubscribeAsync();
        await Subscribed.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Sends whatever the protocol needs to subscribe to every topic.</summary>
    protected abstract Task SendSubscribeAsync();

    /// <summary>One complete text message from the server (valid during the call only).</summary>
    protected abstract void OnText(ReadOnlySpan<byte> message);

    private async Task RunAsync()
    {
        await ws.ReadAsync(OnText, () => _gate.Task, answerPings: true);
        sink.OnClosed(ws.CloseReason ?? "closed");
        Subscribed.TrySetException(new InvalidOperationException($"subscribe not confirmed: {ws.CloseReason}"));
    }

    public void Pause() => _gate.Pause();

    public void Resume() => _gate.Resume();

    public async ValueTask DisposeAsync()
    {
        Resume();
        await ws.CloseAsync();
        if (_reader is not null)
        {
            await _reader.WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        ws.Dispose();
    }
}
