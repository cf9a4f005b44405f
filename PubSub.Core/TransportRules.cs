namespace PubSub.Core;

/// <summary>
/// A transport's own topic and id rules where its protocol allows more than the broker's options do: the
/// <c>/ws</c> seed dialect (PROTOCOL.md §9) creates topics on first use and takes any non-empty id, while the
/// hub and REST on the same server keep the options. A rule can only widen: one that is off leaves the
/// option in force, so the default value means "the broker's options, unchanged".
/// </summary>
/// <param name="CreateTopics">Create a topic on its first subscribe or publish, whatever <see cref="PubSubOptions.AutoCreateTopics"/> says.</param>
/// <param name="AnyMessageId">Accept any non-empty <c>message.id</c>, whatever <see cref="PubSubOptions.RequireUuidMessageIds"/> says.</param>
public readonly record struct TransportRules(bool CreateTopics, bool AnyMessageId);
