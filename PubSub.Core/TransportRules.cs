namespace PubSub.Core;

/// <summary>
/// A transport's own topic and id rules where its protocol allows more than the broker's options do: the
/// <c>/ws</c> seed dialect (PROTOCOL.md §9) creates topics on first use and takes any non-empty id, while the
/// hub and REST on the same server keep the options. A rule can only widen: one that is off leaves the
/// option in force, so the default value means "the broker's options, unchanged".
/// </summary>
/// <param name="CreateTopics">Create a topic on its first subscribe or publish, whatever <see cref="PubSubOptions.AutoCreateTopics"/> says.</param>
/// <param name="AnyMessageId">Accept any non-empty <c>message.id</c>, whatever <see cref="PubSubOptions.RequireUuidMessageIds"/> says.</param>
/// <param name="ReplayOnResubscribe">
/// A repeated subscribe on the same connection replays its <c>last_n</c> (or <c>since_seq</c>) again after the ack, as
/// the seed's server did; the subscription stays one, so live events are still delivered once.
/// </param>
public readonly record struct TransportRules(bool CreateTopics, bool AnyMessageId, bool ReplayOnResubscribe = false);
