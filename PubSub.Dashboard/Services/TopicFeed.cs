namespace PubSub.Dashboard.Services;

/// <summary>One subscribed topic's figures.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Received">Events received since subscribing (replayed ones included).</param>
/// <param name="Gaps">How many times a seq was skipped.</param>
/// <param name="Missing">Seqs skipped in all.</param>
/// <param name="LastSeq">The newest seq received, or the topic's seq when the subscription began.</param>
/// <param name="Deleted">The topic was deleted: the subscription is gone.</param>
public sealed record TopicFeed(string Topic, long Received, long Gaps, long Missing, long LastSeq, bool Deleted);
