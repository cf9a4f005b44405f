using PubSub.Core;

namespace PubSub.Dashboard.Services;

/// <summary>A message as the subscriber view received it.</summary>
/// <param name="Message">The broker's message (shared, immutable; its payload is decoded only when shown).</param>
/// <param name="MissingBefore">How many seqs of its topic were skipped just before it (dropped by a full queue); 0 normally.</param>
/// <param name="ReceivedAt">When this view took it from its connection.</param>
public sealed record ReceivedMessage(PublishedMessage Message, long MissingBefore, DateTimeOffset ReceivedAt);
