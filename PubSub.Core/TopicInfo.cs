using System.Text.Json;

namespace PubSub.Core;

/// <summary>A topic as its engine knows it.</summary>
/// <param name="Name">The topic name.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="Metadata">The object given at creation, if any.</param>
/// <param name="LastSeq">The seq of the newest message: also the number published since the topic was created.</param>
/// <param name="LastPublishedAt">When the newest message was published.</param>
/// <param name="Epoch">Changes whenever the topic is created anew, so a seq from an earlier life is never mistaken for one of this life.</param>
/// <param name="CreatedBy">The name of the key that created it (auth on), shown to keys with <c>manage</c> on it.</param>
public sealed record TopicInfo(string Name, DateTimeOffset CreatedAt, JsonElement? Metadata, long LastSeq, DateTimeOffset? LastPublishedAt, string Epoch, string? CreatedBy = null);
