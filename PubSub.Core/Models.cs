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

/// <summary>A topic with this node's live figures.</summary>
public sealed record TopicSnapshot(TopicInfo Info, int Subscribers)
{
    public string Name => Info.Name;
}

/// <summary>A message as a publisher hands it to the broker.</summary>
/// <param name="Id">The message id; null to have the broker assign a UUID.</param>
/// <param name="Payload">UTF-8 JSON text of the payload (already validated as JSON).</param>
/// <param name="PublisherId">The publisher's client id, kept in history.</param>
public readonly record struct MessageDraft(string? Id, ReadOnlyMemory<byte> Payload, string? PublisherId)
{
    /// <summary>The transport's topic and id rules for this publish (default: the broker's options).</summary>
    public TransportRules Rules { get; init; }

    /// <summary>The publisher's key: what a topic created on first use is checked against (<c>manage</c>) and counted to.</summary>
    public System.Security.Claims.ClaimsPrincipal? User { get; init; }

    /// <summary>
    /// The publish's idempotency key (<see cref="IdempotencyKeys"/>), or null: a repeat within
    /// <see cref="PublishOptions.IdempotencyWindow"/> publishes nothing and is answered with the first publish's seq.
    /// </summary>
    public string? IdempotencyKey { get; init; }
}

/// <summary>What a subscriber asks to have replayed before live events.</summary>
public readonly record struct ReplayRequest
{
    private ReplayRequest(int lastN, long? sinceSeq, string? epoch)
    {
        LastN = lastN;
        SinceSeq = sinceSeq;
        Epoch = epoch;
    }

    /// <summary>Replay nothing: live events only.</summary>
    public static ReplayRequest None => default;

    /// <summary>The newest <c>n</c> retained messages (capped at the history capacity).</summary>
    public static ReplayRequest Last(int n) => n >= 0 ? new(n, null, null) : throw new ArgumentOutOfRangeException(nameof(n));

    /// <summary>
    /// Every retained message with seq greater than <paramref name="seq"/>. When <paramref name="epoch"/> is given
    /// and is not the topic's current one, the seq belongs to an earlier life of the topic: everything retained is
    /// replayed, with <c>gap</c>.
    /// </summary>
    public static ReplayRequest Since(long seq, string? epoch = null) => seq >= 0 ? new(0, seq, epoch) : throw new ArgumentOutOfRangeException(nameof(seq));

    public int LastN { get; }

    public long? SinceSeq { get; }

    /// <summary>The epoch the client's <see cref="SinceSeq"/> belongs to, when it sent one.</summary>
    public string? Epoch { get; }
}

/// <summary>The result of a subscribe.</summary>
/// <param name="Topic">The topic.</param>
/// <param name="Seq">The topic's newest seq when the subscription began: replayed events have seq ≤ this, live ones more.</param>
/// <param name="Gap">True when a <c>since_seq</c> resume asked for messages that are no longer retained.</param>
/// <param name="Replayed">How many events were replayed.</param>
/// <param name="AlreadySubscribed">True when the connection was subscribed already (nothing replayed, one subscription kept).</param>
/// <param name="Epoch">The topic's epoch: with <paramref name="Seq"/>, the position a client resumes from (<c>since_seq</c> + <c>epoch</c>).</param>
public sealed record SubscribeOutcome(string Topic, long Seq, bool Gap, int Replayed, bool AlreadySubscribed, string Epoch = "");

/// <summary>A subscription as listed by <c>GET /api/topics/{name}/subscribers/</c>.</summary>
/// <param name="ClientId">The client id the subscriber gave.</param>
/// <param name="ConnectionId">Its connection (unique across nodes).</param>
/// <param name="Transport">"ws", "signalr", "dashboard", …</param>
/// <param name="SubscribedAt">When it subscribed.</param>
/// <param name="ClientIp">Its remote address, when known.</param>
/// <param name="UserAgent">Its user agent, when known.</param>
/// <param name="Node">The node the subscriber is connected to.</param>
public sealed record SubscriberInfo(string ClientId, string ConnectionId, string Transport, DateTimeOffset SubscribedAt, string? ClientIp, string? UserAgent, string? Node = null);

/// <summary>One page of a topic's retained history, newest first.</summary>
public sealed record MessagePage(string Topic, IReadOnlyList<PublishedMessage> Messages, int TotalCount, int Offset, int Limit);

/// <summary>Figures of one topic.</summary>
public sealed record TopicStats(string Name, long Messages, int Subscribers, DateTimeOffset CreatedAt, DateTimeOffset? LastPublishedAt);

/// <summary>Figures of one connection.</summary>
public sealed record ConnectionStats(string ConnectionId, string Transport, string? ClientIp, DateTimeOffset ConnectedAt, int Subscriptions, int Queued, long Delivered, long Dropped);

/// <summary>Broker-wide figures on this node.</summary>
public sealed record BrokerStats(
    TimeSpan Uptime,
    IReadOnlyList<TopicStats> Topics,
    int Subscriptions,
    IReadOnlyDictionary<string, int> ConnectionsByTransport,
    long Published,
    long Delivered,
    long Dropped);
