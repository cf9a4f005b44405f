namespace PubSub.Core;

/// <summary>Error codes shared by every transport (PROTOCOL.md §3).</summary>
public enum PubSubErrorCode
{
    BadRequest,
    TopicNotFound,
    TopicExists,
    SlowConsumer,
    Unauthorized,
    Forbidden,
    RateLimited,
    Internal,

    /// <summary>The shared store of a scale-out engine cannot be reached or did not answer in time (REST 503).</summary>
    Unavailable,

    /// <summary>A configured resource limit (<c>PubSub:Limits</c>) was reached; the message names it. REST 429.</summary>
    LimitExceeded,
}
