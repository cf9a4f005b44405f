namespace PubSub.Core.Engine;

/// <summary>
/// The idempotency keys one topic of the in-memory engine remembers: each with the seq and id of the publish that
/// first carried it, until its window ends or, when more than <c>maxKeys</c> are held, until it is the oldest. Not
/// thread-safe: the engine uses it under the topic's lock, which also serializes the publishes it answers for.
/// </summary>
/// <remarks>
/// Every key gets the same window, so keys expire in the order they were added: a queue in that order finds the
/// expired ones at its head, and forgetting the oldest first is also what the cap needs. Each key is in the queue once
/// (a key comes back only after it was forgotten, and expired heads are dropped before any lookup), so the map and the
/// queue always hold the same keys. Memory: at most <c>maxKeys</c> entries of a key, a reference to the message's id
/// (shared with history) and two numbers.
/// </remarks>
internal sealed class IdempotencyMemory(TimeSpan window, int maxKeys)
{
    private readonly Dictionary<string, (long Seq, string Id)> _keys = new(StringComparer.Ordinal);
    private readonly Queue<(string Key, DateTimeOffset Expires)> _order = new();

    public int Count => _keys.Count;

    /// <summary>The publish that first carried <paramref name="key"/>, if it is remembered at <paramref name="now"/>.</summary>
    public bool TryGet(string key, DateTimeOffset now, out (long Seq, string Id) first)
    {
        Expire(now);
        return _keys.TryGetValue(key, out first);
    }

    /// <summary>Remembers <paramref name="key"/> (not remembered now: <see cref="TryGet"/> said so) for one window from <paramref name="now"/>.</summary>
    public void Add(string key, long seq, string id, DateTimeOffset now)
    {
        if (_keys.Count >= maxKeys)
        {
            _keys.Remove(_order.Dequeue().Key);
        }

        _keys.Add(key, (seq, id));
        _order.Enqueue((key, now + window));
    }

    /// <summary>Forgets the keys whose window has ended; cheap when none has (one comparison).</summary>
    public void Expire(DateTimeOffset now)
    {
        while (_order.TryPeek(out var head) && head.Expires <= now)
        {
            _keys.Remove(_order.Dequeue().Key);
        }
    }
}
