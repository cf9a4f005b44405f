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

/// <summary>Broker options, bound from the <c>PubSub</c> configuration section.</summary>
public sealed class PubSubOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "PubSub";

    /// <summary>Per-connection outgoing queues.</summary>
    public QueueOptions Queue { get; set; } = new();

    /// <summary>Per-topic history.</summary>
    public HistoryOptions History { get; set; } = new();

    /// <summary>Create a topic on its first publish or subscribe instead of answering <c>TOPIC_NOT_FOUND</c>. Default false.</summary>
    public bool AutoCreateTopics { get; set; }

    /// <summary>Require <c>message.id</c>, when given, to be a UUID (8-4-4-4-12 hex). Default true.</summary>
    public bool RequireUuidMessageIds { get; set; } = true;
}

/// <summary>Options of the bounded outgoing queue that every connection has.</summary>
public sealed class QueueOptions
{
    /// <summary>Events a connection may have queued before the overflow policy applies. Default 1000.</summary>
    public int Capacity { get; set; } = 1000;

    /// <summary>What happens when the queue is full. Default <see cref="OverflowPolicy.DropOldest"/>.</summary>
    public OverflowPolicy OverflowPolicy { get; set; } = OverflowPolicy.DropOldest;
}

/// <summary>Options of the per-topic history ring.</summary>
public sealed class HistoryOptions
{
    /// <summary>Messages retained per topic for replay (<c>last_n</c>, <c>since_seq</c>) and paging. Default 100.</summary>
    public int Capacity { get; set; } = 100;
}
