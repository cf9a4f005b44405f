namespace PubSub.Core;

/// <summary>Options of publishing: how long, and how many, idempotency keys a topic remembers.</summary>
public sealed class PublishOptions
{
    /// <summary>
    /// How long a topic remembers a publish's idempotency key: a publish with a key the topic has seen within this
    /// window publishes nothing and is answered with the first publish's seq and id (<c>duplicate</c>). With the Redis
    /// engine, one expiring key per keyed publish, shared by every node. Default 5 minutes; 1 second to 1 day.
    /// </summary>
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// In-memory engine: idempotency keys one topic remembers at most. Beyond it the oldest key is forgotten before its
    /// window ends (a repeat of it then publishes again), so a client sending endless distinct keys costs bounded
    /// memory. With the Redis engine the window alone bounds them (see the README). Default 100,000; 1 … 10,000,000.
    /// </summary>
    public int IdempotencyMaxKeysPerTopic { get; set; } = 100_000;
}
