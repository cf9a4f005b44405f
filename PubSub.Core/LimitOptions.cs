namespace PubSub.Core;

/// <summary>Resource limits; crossing one is answered with <c>LIMIT_EXCEEDED</c> (REST 429).</summary>
public sealed class LimitOptions
{
    /// <summary>Subscriptions one connection may hold (a repeated subscribe does not count twice). Default 1000.</summary>
    public int MaxSubscriptionsPerConnection { get; set; } = 1000;

    /// <summary>Topics the broker may hold; creating one more (REST, dashboard, auto-create) is refused. Default 10000.</summary>
    public int MaxTopics { get; set; } = 10_000;

    /// <summary>
    /// Existing topics one API key may have created (REST, dashboard, create on first use), so that one tenant cannot
    /// fill <see cref="MaxTopics"/> for the others. Counted with auth on only; a deletion gives the place back. Default 1000.
    /// </summary>
    public int MaxTopicsPerKey { get; set; } = 1000;

    /// <summary>UTF-8 bytes of a topic's <c>metadata</c> JSON object. Default 16384.</summary>
    public int MaxMetadataBytes { get; set; } = 16 * 1024;

    /// <summary>Characters of a <c>client_id</c>, <c>request_id</c> or <c>message.id</c>. Default 4096, so every id v1 clients send (up to 1024) passes; 1 … 1048576, lower values being the operator's choice.</summary>
    public int MaxIdLength { get; set; } = 4096;
}
