namespace PubSub.Core;

/// <summary>What a subscriber's queue does when it is full.</summary>
public enum OverflowPolicy
{
    /// <summary>
    /// Drop the oldest queued events to make room; the subscriber is told once per overflow episode with a
    /// <c>SLOW_CONSUMER</c> error that says how many were dropped. The default.
    /// </summary>
    DropOldest,

    /// <summary>Discard the queue, tell the subscriber <c>SLOW_CONSUMER</c>, then close the connection (WebSocket 1008).</summary>
    Disconnect,
}
