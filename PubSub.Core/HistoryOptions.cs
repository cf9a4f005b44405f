namespace PubSub.Core;

/// <summary>Options of the per-topic history ring.</summary>
public sealed class HistoryOptions
{
    /// <summary>
    /// Messages retained per topic for replay (<c>last_n</c>, <c>since_seq</c>) and paging. Default 100. With the Redis
    /// engine, the value of the node that creates a topic is stored with it and holds on every node.
    /// </summary>
    public int Capacity { get; set; } = 100;

    /// <summary>
    /// Bytes retained per topic at most (each message counts its payload, id and a small header): the oldest messages
    /// go first when either bound is reached; a message larger than this alone is delivered but not retained.
    /// Default 1 MiB (1,048,576); 1,024 to 1,073,741,824. Stored with the topic like <see cref="Capacity"/>.
    /// </summary>
    public long MaxBytes { get; set; } = 1 << 20;
}
