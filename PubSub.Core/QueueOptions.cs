namespace PubSub.Core;

/// <summary>Options of the bounded outgoing queue that every connection has.</summary>
public sealed class QueueOptions
{
    /// <summary>Events a connection may have queued before the overflow policy applies. Default 1000.</summary>
    public int Capacity { get; set; } = 1000;

    /// <summary>What happens when the queue is full. Default <see cref="OverflowPolicy.DropOldest"/>.</summary>
    public OverflowPolicy OverflowPolicy { get; set; } = OverflowPolicy.DropOldest;

    /// <summary>
    /// Payload bytes of the events a connection may have queued before the overflow policy applies, beside
    /// <see cref="Capacity"/> (whichever is reached first). An event larger than this alone is still queued when the
    /// queue holds no other event. Default 4 MiB (4194304).
    /// </summary>
    public long MaxBytes { get; set; } = 4 * 1024 * 1024;
}
