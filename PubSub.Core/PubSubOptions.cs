namespace PubSub.Core;

/// <summary>Broker options, bound from the <c>PubSub</c> configuration section.</summary>
public sealed class PubSubOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "PubSub";

    /// <summary>Per-connection outgoing queues.</summary>
    public QueueOptions Queue { get; set; } = new();

    /// <summary>Per-topic history.</summary>
    public HistoryOptions History { get; set; } = new();

    /// <summary>Publishing (PROTOCOL.md §2 <c>idempotency_key</c>), section <c>PubSub:Publish</c>.</summary>
    public PublishOptions Publish { get; set; } = new();

    /// <summary>Resource limits (PROTOCOL.md §4), section <c>PubSub:Limits</c>.</summary>
    public LimitOptions Limits { get; set; } = new();

    /// <summary>This node in a cluster (PROTOCOL.md §8), section <c>PubSub:Cluster</c>.</summary>
    public Cluster.ClusterOptions Cluster { get; set; } = new();

    /// <summary>Create a topic on its first publish or subscribe instead of answering <c>TOPIC_NOT_FOUND</c>. Default false.</summary>
    public bool AutoCreateTopics { get; set; }

    /// <summary>Require <c>message.id</c>, when given, to be a UUID (8-4-4-4-12 hex). Default true.</summary>
    public bool RequireUuidMessageIds { get; set; } = true;
}
