using System.Text.Json;

namespace PubSub.Client;

/// <summary>
/// What a subscription yields, in order: a <see cref="PubSubMessage"/>, or a notice that the application must know of
/// (<see cref="GapNotice"/>, <see cref="ResetNotice"/>, <see cref="TopicDeletedNotice"/>). Notices are values in the
/// stream, never exceptions: match on the type.
/// </summary>
/// <param name="Topic">The subscription's topic.</param>
public abstract record SubscriptionItem(string Topic);

/// <summary>A message of the topic, delivered once and in <c>seq</c> order within its <paramref name="Epoch"/>.</summary>
/// <param name="Topic">The topic it was published to.</param>
/// <param name="Id">The message id (a UUID unless the publisher chose another).</param>
/// <param name="Seq">Its position in the topic (PROTOCOL.md §5).</param>
/// <param name="Epoch">The life of the topic that <paramref name="Seq"/> belongs to (PROTOCOL.md §8).</param>
/// <param name="Payload">The payload as published.</param>
/// <param name="Timestamp">When the server accepted it.</param>
public sealed record PubSubMessage(string Topic, string Id, long Seq, string Epoch, JsonElement Payload, DateTimeOffset Timestamp)
    : SubscriptionItem(Topic);

/// <summary>
/// Messages <paramref name="FromSeq"/> … <paramref name="ToSeq"/> are no longer retained by the server and will not be
/// delivered; delivery goes on after <paramref name="ToSeq"/>.
/// </summary>
/// <param name="Topic">The subscription's topic.</param>
/// <param name="FromSeq">The first missing seq.</param>
/// <param name="ToSeq">The last missing seq.</param>
public sealed record GapNotice(string Topic, long FromSeq, long ToSeq) : SubscriptionItem(Topic);

/// <summary>
/// The topic moved to a new epoch (its store came back older than what was delivered, or it was deleted and created
/// again while the client was away): seqs start over, and the messages that follow belong to <paramref name="Epoch"/>
/// and have seqs after <paramref name="Seq"/>.
/// </summary>
/// <param name="Topic">The subscription's topic.</param>
/// <param name="Epoch">The new epoch.</param>
/// <param name="Seq">
/// The new epoch's latest seq when the server announced the reset; 0 when the client learned of the new epoch on
/// resuming, in which case the new epoch's retained messages follow from the oldest.
/// </param>
public sealed record ResetNotice(string Topic, string Epoch, long Seq) : SubscriptionItem(Topic);

/// <summary>The topic was deleted (or was gone when the client resumed): the subscription ends after this notice.</summary>
/// <param name="Topic">The topic that was deleted.</param>
public sealed record TopicDeletedNotice(string Topic) : SubscriptionItem(Topic);
