namespace PubSub.Core.Delivery;

/// <summary>The seqs <paramref name="FromSeq"/>..<paramref name="ToSeq"/> (inclusive) of a topic are lost to a subscriber.</summary>
internal sealed record GapInfo(long FromSeq, long ToSeq);
