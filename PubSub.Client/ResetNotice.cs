namespace PubSub.Client;

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
