namespace PubSub.Core;

/// <summary>The result of a subscribe.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Seq">The topic's newest seq when the subscription began: replayed events have seq ≤ this, live ones more.</param>
/// <param name="Gap">True when a <c>since_seq</c> resume asked for messages that are no longer retained.</param>
/// <param name="Replayed">How many events were replayed.</param>
/// <param name="AlreadySubscribed">True when the connection was subscribed already (nothing replayed, one subscription kept).</param>
/// <param name="Epoch">The topic's epoch: with <paramref name="Seq"/>, the position a client resumes from (<c>since_seq</c> + <c>epoch</c>).</param>
public sealed record SubscribeOutcome(string Topic, long Seq, bool Gap, int Replayed, bool AlreadySubscribed, string Epoch = "");
