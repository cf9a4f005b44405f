namespace PubSub.Client;

/// <summary>The error codes of PROTOCOL.md §3 (and the REST error bodies of §6), as strings: a newer server may send others.</summary>
public static class PubSubErrorCodes
{
    /// <summary>The request was malformed or invalid; sending it again will not help.</summary>
    public const string BadRequest = "BAD_REQUEST";

    /// <summary>The topic does not exist (publish, subscribe, a topic's REST calls).</summary>
    public const string TopicNotFound = "TOPIC_NOT_FOUND";

    /// <summary>REST create: a topic of that name exists already.</summary>
    public const string TopicExists = "TOPIC_EXISTS";

    /// <summary>Auth is on and the API key is missing or wrong.</summary>
    public const string Unauthorized = "UNAUTHORIZED";

    /// <summary>The API key is valid but may not do this operation on this topic.</summary>
    public const string Forbidden = "FORBIDDEN";

    /// <summary>Too many requests for the connection's or the key's rate.</summary>
    public const string RateLimited = "RATE_LIMITED";

    /// <summary>A configured resource limit was reached; the message names it.</summary>
    public const string LimitExceeded = "LIMIT_EXCEEDED";

    /// <summary>
    /// The server's shared store could not be reached or did not answer in time, or (from this client) no node
    /// acknowledged the request in time. A publish answered so may have been carried out: the client re-sends
    /// publishes with their idempotency key, so a retry is never a duplicate on a server that honours keys.
    /// </summary>
    public const string Unavailable = "UNAVAILABLE";

    /// <summary>The subscriber's queue overflowed on the server (the client resumes from its position).</summary>
    public const string SlowConsumer = "SLOW_CONSUMER";

    /// <summary>An unexpected server failure; the request was not carried out.</summary>
    public const string Internal = "INTERNAL";
}
