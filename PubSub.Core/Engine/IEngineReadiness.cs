namespace PubSub.Core.Engine;

/// <summary>
/// What a host's readiness probe asks a scale-out engine: can this node reach the shared store, hear on the link that
/// carries every topic's events, and trust the store to keep its keys. Registered by an engine that has a store
/// (<c>AddRedisEngine</c>); absent with the in-memory engine, which is ready while the process runs. Each problem is
/// null while all is well, or says what is wrong in words an operator can act on. Reads are cheap (no round trip)
/// except <see cref="PingAsync"/>.
/// </summary>
public interface IEngineReadiness
{
    /// <summary>
    /// One round trip to the store on the engine's own connection, bounded by the engine's operation timeout. Never
    /// throws for the store's sake: an unreachable store is <c>Reachable = false</c> with the reason.
    /// </summary>
    ValueTask<(bool Reachable, string Description)> PingAsync(CancellationToken cancellationToken = default);

    /// <summary>Why the node does not hear its own probes on the link that carries events (the first shard's); null when it does. Not ready while set.</summary>
    string? ReceivingLinkProblem { get; }

    /// <summary>Why the link to a shard other than the first is deaf; null when none is (or there is one store). Its topics are unavailable, the others served: degraded.</summary>
    string? ShardLinkProblem { get; }

    /// <summary>Why the store may drop the broker's keys (an eviction policy that evicts them); null when it keeps them. Not ready while set.</summary>
    string? StoreProblem { get; }
}
