using System.Text.Json;

namespace PubSub.Core.Engine;

/// <summary>
/// Where topics, sequence numbers and history live, and how publications reach every node's local fan-out.
/// The in-memory engine keeps all of it in this process; a scale-out engine (Redis) keeps it in a shared store
/// and carries publications between nodes over a bus. The broker adds validation, subscriptions and stats on top,
/// and the fan-out (<see cref="ILocalFanout"/>) owns this node's subscribers. A new engine is written from this
/// contract alone; the abstract contract tests (<c>EngineContractTests</c>) state it as code.
/// </summary>
/// <remarks>
/// <para><b>What every engine guarantees.</b></para>
/// <list type="bullet">
/// <item><b>Seq.</b> <see cref="PublishAsync"/> assigns the next <c>seq</c> of the topic (1, 2, 3, … with no gap
/// and no repeat, across every node sharing the store) and appends the message to history as one atomic step:
/// when it returns, the message is in history under that seq. Concurrent publishers on any node are serialized
/// per topic by the engine, never by the caller.</item>
/// <item><b>History.</b> The newest <c>capacity</c> messages of each topic are retained, consecutive in seq;
/// older ones are gone for good. <see cref="ReadHistoryAsync"/> returns a consistent snapshot: its messages,
/// <see cref="HistorySlice.LatestSeq"/>, <see cref="HistorySlice.FirstRetainedSeq"/> and epoch are of one
/// instant.</item>
/// <item><b>Epoch.</b> Each life of a topic has an epoch; a topic created again under the same name starts at seq 1
/// with a new epoch. Every message carries the epoch of its life (<see cref="PublishedMessage.Epoch"/>).</item>
/// <item><b>Delivery to watched topics.</b> While a node watches a topic (<see cref="WatchAsync"/> completed,
/// <see cref="Unwatch"/> not called), the engine calls <see cref="ILocalFanout.Deliver"/> for each publication
/// of that topic, from any node, this one included, for one topic never concurrently and in seq order as far as
/// the bus delivers. A message published after <see cref="WatchAsync"/> completed is delivered unless the bus
/// loses it.</item>
/// <item><b>Reset.</b> A seq names one message for ever within an epoch. When a store comes back without messages it
/// had acknowledged (a restart from an older snapshot, a failover to a replica that lagged), whoever notices calls
/// <see cref="ResetEpochAsync"/>: the topic moves to a new epoch in one atomic step that every node agrees on (a
/// second call for the same old epoch finds the move made and returns it), its retained history now belongs to the
/// new epoch, and watching nodes get <see cref="ILocalFanout.TopicReset"/>. A history read of the new epoch names
/// the epoch it replaced (<see cref="HistorySlice.PreviousEpoch"/>), so a node that missed the notice can tell a
/// reset from a deletion.</item>
/// <item><b>Idempotency.</b> A publish with a key is checked and recorded atomically with the seq it is given, across
/// every node sharing the store: of any number of publishes with one key within the window, concurrent or not, exactly
/// one is stored; the others store and deliver nothing and are answered with its seq and id. Keys belong to one life of
/// the topic: a topic deleted and created again has forgotten them. A reset (below) keeps them: the store writes a key
/// and its message in one step, so a key it still holds names a message it still holds (or held, and trimmed), under
/// the same seq in the new epoch; a key it lost with its message lets a retry store that message again. An engine may
/// forget a key before its window ends to bound memory (the in-memory engine beyond
/// <see cref="PublishOptions.IdempotencyMaxKeysPerTopic"/>); a repeat of a forgotten key is a new message.</item>
/// <item><b>Deletion.</b> <see cref="DeleteTopicAsync"/> removes the topic and its history at once for every
/// node; publishes after it fail. Watching nodes get <see cref="ILocalFanout.TopicDeleted"/> with the life's epoch,
/// ordered after that life's deliveries.</item>
/// </list>
/// <para><b>What an engine may not guarantee</b>, and what covers for it:</para>
/// <list type="bullet">
/// <item><b>At-most-once bus.</b> A scale-out engine's bus (Redis pub/sub) may lose deliveries and deletion notices
/// (a connection drop), and a message may arrive after a history read that already returned it. The fan-out
/// keeps a position per subscription, drops duplicates and repairs holes from history; a lost deletion shows as a
/// message of another epoch, or as a history read that finds no topic or another epoch. After its bus
/// reconnects, an engine calls <see cref="ILocalFanout.Resync"/> so that what was published meanwhile is read
/// from history. The in-memory engine's delivery is exact and never needs either.</item>
/// <item><b>Ambiguous failure.</b> When the shared store cannot be reached, every call throws
/// <see cref="PubSubException"/> with <see cref="PubSubErrorCode.Unavailable"/>, within a bounded time (never a
/// hang). If the request may have reached the store before the timeout, the message says so: a publish that
/// timed out may have been stored (and will then be delivered); one refused before sending was not.</item>
/// </list>
/// </remarks>
internal interface IPubSubEngine
{
    /// <summary>
    /// Creates a topic with a new epoch. Returns null when one of that name exists already. With a
    /// <paramref name="quota"/>, the topic is stored with its creating key and the create is refused
    /// (<see cref="PubSubErrorCode.LimitExceeded"/>) when the engine holds <see cref="TopicQuota.MaxTopics"/> topics or
    /// that key has created <see cref="TopicQuota.MaxPerOwner"/> that still exist: checked atomically with the create,
    /// in constant time (never by reading every topic). A deletion gives the key its place back.
    /// </summary>
    ValueTask<TopicInfo?> CreateTopicAsync(string name, JsonElement? metadata, TopicQuota? quota = null, CancellationToken cancellationToken = default);

    /// <summary>Deletes a topic and its history; watching nodes are told (see the remarks). False when there was none.</summary>
    ValueTask<bool> DeleteTopicAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>The topic, or null.</summary>
    ValueTask<TopicInfo?> GetTopicAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Every topic, ordered by name (ordinal).</summary>
    ValueTask<IReadOnlyList<TopicInfo>> ListTopicsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Assigns the next seq and appends to history, atomically per topic, then hands the message to the bus.
    /// Returns null when the topic does not exist. Never waits for a subscriber. With an
    /// <paramref name="idempotencyKey"/> the topic has seen within <see cref="PublishOptions.IdempotencyWindow"/> (see
    /// the remarks), nothing is published and the first publish's receipt comes back with
    /// <see cref="PublishReceipt.Duplicate"/> set.
    /// </summary>
    ValueTask<PublishReceipt?> PublishAsync(string topic, string id, ReadOnlyMemory<byte> payload, string? publisherId, string? idempotencyKey = null, CancellationToken cancellationToken = default);

    /// <summary>Reads retained history as one snapshot. Returns null when the topic does not exist.</summary>
    ValueTask<HistorySlice?> ReadHistoryAsync(string topic, HistoryQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves <paramref name="topic"/> from the epoch <paramref name="epoch"/> to a new one, because the store lost
    /// messages of it that were acknowledged: the caller saw seqs of <paramref name="epoch"/> that the store no longer
    /// holds, or holds under another message. Messages after <paramref name="keptThroughSeq"/> (clamped to what is
    /// retained) are the ones published since the store came back: they are delivered again in the new epoch, after
    /// the <c>reset</c> notice. Atomic and idempotent: when the topic has moved on from <paramref name="epoch"/> by an
    /// earlier call, nothing changes and that move is returned. Returns null when the topic does not exist or is in
    /// neither <paramref name="epoch"/> nor the epoch that replaced it (deleted, or created again).
    /// </summary>
    ValueTask<EpochReset?> ResetEpochAsync(string topic, string epoch, long keptThroughSeq, CancellationToken cancellationToken = default);

    /// <summary>
    /// This node has subscribers of <paramref name="topic"/> (the fan-out calls it when the first one comes):
    /// from completion on, the topic's publications reach this node's fan-out. Calls are counted: each is
    /// matched by one <see cref="Unwatch"/>. The subscribe awaits it before it reads history, so nothing published
    /// after that read can pass this node by. Throws <see cref="PubSubException"/> (Unavailable) when the bus
    /// cannot be reached.
    /// </summary>
    ValueTask WatchAsync(string topic, CancellationToken cancellationToken = default);

    /// <summary>Ends one <see cref="WatchAsync"/>; when the last ends, the node stops receiving the topic. Never throws.</summary>
    void Unwatch(string topic);
}
