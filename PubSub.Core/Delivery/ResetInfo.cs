namespace PubSub.Core.Delivery;

/// <summary>A topic moved to the new epoch <paramref name="Epoch"/>, whose messages after <paramref name="Seq"/> follow.</summary>
internal sealed record ResetInfo(string Epoch, long Seq);
