namespace PubSub.Server.Hubs;

/// <summary>
/// A marker a hub method puts in its connection's queue (as the broker's "ack" frame) to order the send loop's
/// writes against the invocation result, which SignalR writes itself, outside our queue.
/// </summary>
/// <remarks>
/// <para>When the send loop reaches the barrier, everything queued before it has been written
/// (<see cref="Reached"/>: <c>Unsubscribe</c> waits for this, so no event of the topic follows its result). The
/// send loop then waits for <see cref="Release"/>, which the hub calls from <c>Dispose</c>: SignalR disposes the
/// hub only after it has written the invocation's completion, so whatever the broker queued after the barrier
/// (<c>Subscribe</c>'s replay and live events) reaches the client after the result.</para>
/// <para>The order is: SignalR's dispatcher awaits the completion write (<c>HubConnectionContext.WriteAsync</c>,
/// which flushes into the transport pipe), then releases the hub. A test records the client-side order of the
/// Subscribe result and the first Event, so a change in that behaviour fails loudly.</para>
/// </remarks>
internal sealed class HubBarrier
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the send loop has written every frame queued before the barrier.</summary>
    public Task Reached => _reached.Task;

    /// <summary>Completes when the invocation's result has been written.</summary>
    public Task Released => _released.Task;

    public void MarkReached() => _reached.TrySetResult();

    public void Release() => _released.TrySetResult();
}
