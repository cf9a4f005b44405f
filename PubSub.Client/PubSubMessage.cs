using System.Text.Json;

namespace PubSub.Client;

/// <summary>A message of the topic, delivered once and in <c>seq</c> order within its <paramref name="Epoch"/>.</summary>
/// <param name="Topic">The topic it was published to.</param>
/// <param name="Id">The message id (a UUID unless the publisher chose another).</param>
/// <param name="Seq">Its position in the topic (PROTOCOL.md §5).</param>
/// <param name="Epoch">The life of the topic that <paramref name="Seq"/> belongs to (PROTOCOL.md §8).</param>
/// <param name="Payload">The payload as published.</param>
/// <param name="Timestamp">When the server accepted it.</param>
public sealed record PubSubMessage(string Topic, string Id, long Seq, string Epoch, JsonElement Payload, DateTimeOffset Timestamp)
    : SubscriptionItem(Topic);
