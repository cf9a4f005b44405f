namespace PubSub.Core.Delivery;

/// <summary>The store lost delivered messages of <paramref name="Epoch"/>: move the topic to a new epoch, keeping seqs up to <paramref name="KeptThrough"/>.</summary>
internal sealed record ResetRequest(string Epoch, long KeptThrough);
