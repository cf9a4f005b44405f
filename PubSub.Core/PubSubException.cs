namespace PubSub.Core;

/// <summary>A request the broker refuses, with the code every transport maps to its own wire form.</summary>
public sealed class PubSubException(PubSubErrorCode code, string message) : Exception(message)
{
    /// <summary>The protocol error code.</summary>
    public PubSubErrorCode Code { get; } = code;

    /// <summary>The wire name of a code, e.g. <c>TOPIC_NOT_FOUND</c>.</summary>
    public static string WireName(PubSubErrorCode code) => code switch
    {
        PubSubErrorCode.BadRequest => "BAD_REQUEST",
        PubSubErrorCode.TopicNotFound => "TOPIC_NOT_FOUND",
        PubSubErrorCode.TopicExists => "TOPIC_EXISTS",
        PubSubErrorCode.SlowConsumer => "SLOW_CONSUMER",
        PubSubErrorCode.Unauthorized => "UNAUTHORIZED",
        PubSubErrorCode.Forbidden => "FORBIDDEN",
        PubSubErrorCode.RateLimited => "RATE_LIMITED",
        PubSubErrorCode.Unavailable => "UNAVAILABLE",
        PubSubErrorCode.LimitExceeded => "LIMIT_EXCEEDED",
        _ => "INTERNAL",
    };

    internal static PubSubException TopicNotFound(string topic) =>
        new(PubSubErrorCode.TopicNotFound, $"topic '{topic}' does not exist");

    internal static PubSubException BadRequest(string message) => new(PubSubErrorCode.BadRequest, message);

    /// <summary>LIMIT_EXCEEDED naming the option, e.g. <c>PubSub:Limits:MaxTopics (10000)</c>.</summary>
    public static PubSubException LimitExceeded(string what, string option, long limit) =>
        new(PubSubErrorCode.LimitExceeded, $"{what}: limit {option} ({limit}) reached");
}
