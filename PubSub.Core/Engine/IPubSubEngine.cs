using System.Text.Json;

namespace PubSub.Core.Engine;

/// <summary>
/// Where topics, sequence numbers and history live, and how publications reach every node's local fan-out.
/// The in-memory engine keeps all of it in this process; a scale-out engine keeps it in a shared store and
/// carries publications between nodes. The broker adds validation, subscriptions and stats on top.
/// </summary>
/// <remarks>
/// <para><b>Delivery.</b> An engine is given one <see cref="ILocalFanout"/> at construction. For every
/// publication it calls <see cref="ILocalFanout.Deliver"/> exactly once per node, and for one topic always in
/// strictly increasing <c>seq</c> order, never concurrently: this is what lets every subscriber of a topic see
/// the same order without locks of its own. When a topic is deleted it calls
/// <see cref="ILocalFanout.TopicDeleted"/> on every node before the name can be created again.</para>
/// <para><b>Atomicity.</b> <see cref="PublishAsync"/> assigns the next <c>seq</c>, appends to history and
/// hands the message to the fan-out as one step per topic: a history read that returns newest seq <c>L</c>
/// happens after the fan-out received every message up to <c>L</c>, and before it receives <c>L + 1</c>.
/// The broker's gap-free subscribe relies on exactly this.</para>
/// <para><b>History.</b> The newest <c>capacity</c> messages are retained in <c>seq</c> order; older ones are
/// gone for good. A topic created again under the same name starts at seq 1 with a new <see cref="TopicInfo.Epoch"/>.</para>
/// </remarks>
public interface IPubSubEngine
{
    /// <summary>Creates a topic. Returns null when one of that name exists already.</summary>
    ValueTask<TopicInfo?> CreateTopicAsync(string name, JsonElement? metadata, CancellationToken cancellationToken = default);

    /// <summary>Deletes a topic, its history and (through the fan-out) its subscriptions. False when there was none.</summary>
    ValueTask<bool> DeleteTopicAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The topic, or null.</summary>
    ValueTask<TopicInfo?> GetTopicAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Every topic, ordered by name.</summary>
    ValueTask<IReadOnlyList<TopicInfo>> ListTopicsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Assigns the next seq, appends to history and fans out, atomically per topic (see the remarks above).
    /// Returns null when the topic does not exist. Never waits for a subscriber.
    /// </summary>
    ValueTask<PublishedMessage?> PublishAsync(string topic, string id, ReadOnlyMemory<byte> payload, string? publisherId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads retained history. Returns null when the topic does not exist. The slice's <see cref="HistorySlice.LatestSeq"/>
    /// is the topic's newest seq at the moment of the read (see the remarks above).
    /// </summary>
    ValueTask<HistorySlice?> ReadHistoryAsync(string topic, HistoryQuery query, CancellationToken cancellationToken = default);
}

/// <summary>What to read from a topic's history.</summary>
public readonly record struct HistoryQuery
{
    private HistoryQuery(HistoryQueryKind kind, long after, int limit, int offset)
    {
        Kind = kind;
        AfterSeq = after;
        Limit = limit;
        Offset = offset;
    }

    /// <summary>The newest <paramref name="n"/> retained messages, oldest first.</summary>
    public static HistoryQuery Last(int n) => new(HistoryQueryKind.Last, 0, n, 0);

    /// <summary>Every retained message with seq &gt; <paramref name="seq"/>, oldest first.</summary>
    public static HistoryQuery After(long seq) => new(HistoryQueryKind.After, seq, int.MaxValue, 0);

    /// <summary>A page of retained messages, newest first: skip <paramref name="offset"/>, take <paramref name="limit"/>.</summary>
    public static HistoryQuery NewestFirst(int offset, int limit) => new(HistoryQueryKind.NewestFirst, 0, limit, offset);

    public HistoryQueryKind Kind { get; }

    public long AfterSeq { get; }

    public int Limit { get; }

    public int Offset { get; }
}

public enum HistoryQueryKind
{
    Last,
    After,
    NewestFirst,
}

/// <summary>Messages read from history, with the topic's position at the time of the read.</summary>
/// <param name="Messages">In the order the query names.</param>
/// <param name="LatestSeq">The topic's newest seq (0 before the first publish).</param>
/// <param name="FirstRetainedSeq">The oldest retained seq, or <c>LatestSeq + 1</c> when nothing is retained.</param>
/// <param name="RetainedCount">How many messages history holds.</param>
/// <param name="Epoch">The topic's epoch.</param>
public sealed record HistorySlice(IReadOnlyList<PublishedMessage> Messages, long LatestSeq, long FirstRetainedSeq, int RetainedCount, string Epoch);

/// <summary>This node's subscribers, as an engine sees them: a sink for publications and deletions.</summary>
public interface ILocalFanout
{
    /// <summary>Offers a message to every local subscriber of its topic. Never blocks; never throws for a subscriber's sake.</summary>
    void Deliver(PublishedMessage message);

    /// <summary>Tells every local subscriber of <paramref name="topic"/> that it was deleted and removes their subscriptions.</summary>
    void TopicDeleted(string topic);
}
