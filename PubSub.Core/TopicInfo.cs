using System.Text.Json;

namespace PubSub.Core;

/// <summary>
/// A topic: what its engine stores, and, as the broker's reads return it (<see cref="PubSubBroker.GetTopicAsync"/>,
/// <see cref="PubSubBroker.ListTopicsAsync"/>, <see cref="PubSubBroker.ListCachedTopicsAsync"/>,
/// <see cref="BrokerStats.Topics"/>), its subscriber count.
/// </summary>
/// <param name="Name">The topic name.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="Metadata">The object given at creation, if any.</param>
/// <param name="LastSeq">The seq of the newest message: also the number published since the topic was created (its message count).</param>
/// <param name="LastPublishedAt">When the newest message was published.</param>
/// <param name="Epoch">Changes whenever the topic is created anew, so a seq from an earlier life is never mistaken for one of this life.</param>
/// <param name="CreatedBy">The name of the key that created it (auth on), shown to keys with <c>manage</c> on it.</param>
public sealed record TopicInfo(string Name, DateTimeOffset CreatedAt, JsonElement? Metadata, long LastSeq, DateTimeOffset? LastPublishedAt, string Epoch, string? CreatedBy = null)
{
    /// <summary>
    /// Subscriptions to it on every node (the others' as of their last report), counted when the broker read it. Not
    /// stored: 0 as an engine returns a topic and on a topic just created.
    /// </summary>
    public int Subscribers { get; init; }
}
