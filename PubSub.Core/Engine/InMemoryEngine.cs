using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace PubSub.Core.Engine;

/// <summary>
/// The default engine: everything in this process. Each topic's state has its own lock, which serializes
/// seq assignment, history append and fan-out for that topic only; topics never contend with each other.
/// Beyond the contract, delivery is exact (no loss, no duplicate) and synchronous: when a publish returns, the
/// message is queued for every local subscriber.
/// </summary>
internal sealed class InMemoryEngine(ILocalFanout fanout, IOptions<PubSubOptions> options, TimeProvider time) : IPubSubEngine
{
    private readonly ConcurrentDictionary<string, TopicState> _topics = new(StringComparer.Ordinal);
    private readonly int _historyCapacity = options.Value.History.Capacity;
    private readonly long _historyMaxBytes = options.Value.History.MaxBytes;
    private readonly TimeSpan _idempotencyWindow = options.Value.Publish.IdempotencyWindow;
    private readonly int _idempotencyMaxKeys = options.Value.Publish.IdempotencyMaxKeysPerTopic;

    // Quota (issue 18): topics per creating key, and the count of topics, both guarded by _quotaLock with every add
    // and removal of _topics, so that a create checks them atomically in O(1).
    private readonly object _quotaLock = new();
    private readonly Dictionary<string, int> _owned = new(StringComparer.Ordinal);
    private int _count;

    public ValueTask<TopicInfo?> CreateTopicAsync(string name, JsonElement? metadata, TopicQuota? quota = null, CancellationToken cancellationToken = default)
    {
        quota ??= TopicQuota.None;
        var state = new TopicState(name, time.GetUtcNow(), metadata?.Clone(), _historyCapacity, _historyMaxBytes, quota.Owner, quota.OwnerName);
        lock (_quotaLock)
        {
            if (_topics.ContainsKey(name))
            {
                return ValueTask.FromResult<TopicInfo?>(null);
            }

            if (_count >= quota.MaxTopics)
            {
                throw quota.TooManyTopics();
            }

            if (quota.Owner is { } owner && _owned.GetValueOrDefault(owner) >= quota.MaxPerOwner)
            {
                throw quota.TooManyForOwner();
            }

            _topics[name] = state;
            _count++;
            if (quota.Owner is { } key)
            {
                _owned[key] = _owned.GetValueOrDefault(key) + 1;
            }
        }

        return ValueTask.FromResult(state.Snapshot());
    }

    public ValueTask<bool> DeleteTopicAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!_topics.TryGetValue(name, out var state))
        {
            return ValueTask.FromResult(false);
        }

        lock (state)
        {
            if (state.Deleted)
            {
                return ValueTask.FromResult(false);
            }

            // Order matters: mark deleted (no publish gets through after this), tell the fan-out, and only then
            // free the name, so a topic created again never has its new subscribers removed by this deletion.
            state.Deleted = true;
            fanout.TopicDeleted(name, state.Epoch);
            lock (_quotaLock)
            {
                _topics.TryRemove(new KeyValuePair<string, TopicState>(name, state));
                _count--;
                if (state.Owner is { } owner && (_owned[owner] -= 1) == 0)
                {
                    _owned.Remove(owner);
                }
            }
        }

        return ValueTask.FromResult(true);
    }

    public ValueTask<TopicInfo?> GetTopicAsync(string name, CancellationToken cancellationToken = default) =>
        ValueTask.FromResult(_topics.TryGetValue(name, out var state) ? state.Snapshot() : null);

    public ValueTask<IReadOnlyList<TopicInfo>> ListTopicsAsync(CancellationToken cancellationToken = default)
    {
        var list = _topics.Values.Select(s => s.Snapshot()).Where(t => t is not null).Select(t => t!).OrderBy(t => t.Name, StringComparer.Ordinal).ToList();
        return ValueTask.FromResult<IReadOnlyList<TopicInfo>>(list);
    }

    public ValueTask<PublishReceipt?> PublishAsync(string topic, string id, ReadOnlyMemory<byte> payload, string? publisherId, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        if (!_topics.TryGetValue(topic, out var state))
        {
            return ValueTask.FromResult<PublishReceipt?>(null);
        }

        lock (state)
        {
            if (state.Deleted)
            {
                return ValueTask.FromResult<PublishReceipt?>(null);
            }

            // The key is checked and recorded under the topic lock with the seq it gets: one of any racing repeats wins.
            var now = time.GetUtcNow();
            state.Idempotency?.Expire(now);
            if (idempotencyKey is not null && state.Idempotency is { } seen && seen.TryGet(idempotencyKey, now, out var first))
            {
                return ValueTask.FromResult<PublishReceipt?>(new PublishReceipt(state.Name, first.Id, first.Seq, state.Epoch, Duplicate: true));
            }

            var message = new PublishedMessage(state.Name, state.LastSeq + 1, id, payload, publisherId, now, state.Epoch);
            state.LastSeq = message.Seq;
            state.LastPublishedAt = now;
            state.History.Add(message);
            if (idempotencyKey is not null)
            {
                (state.Idempotency ??= new IdempotencyMemory(_idempotencyWindow, _idempotencyMaxKeys)).Add(idempotencyKey, message.Seq, id, now);
            }
            else if (state.Idempotency is { Count: 0 })
            {
                state.Idempotency = null; // a topic no longer published with keys holds no table for them
            }

            // Under the topic lock: the fan-out sees this topic's messages one at a time, in seq order.
            fanout.Deliver(message);
            return ValueTask.FromResult<PublishReceipt?>(PublishReceipt.Of(message));
        }
    }

    public ValueTask<HistorySlice?> ReadHistoryAsync(string topic, HistoryQuery query, CancellationToken cancellationToken = default)
    {
        if (!_topics.TryGetValue(topic, out var state))
        {
            return ValueTask.FromResult<HistorySlice?>(null);
        }

        lock (state)
        {
            return ValueTask.FromResult(state.Deleted ? null : state.History.Read(query, state.LastSeq, state.Epoch) with
            {
                PreviousEpoch = state.PreviousEpoch,
                ResetSeq = state.ResetSeq,
            });
        }
    }

    // This store never loses what it acknowledged; the move is here for the contract (and for tests of what follows it).
    public ValueTask<EpochReset?> ResetEpochAsync(string topic, string epoch, long keptThroughSeq, CancellationToken cancellationToken = default)
    {
        if (!_topics.TryGetValue(topic, out var state))
        {
            return ValueTask.FromResult<EpochReset?>(null);
        }

        lock (state)
        {
            if (state.Deleted)
            {
                return ValueTask.FromResult<EpochReset?>(null);
            }

            if (state.PreviousEpoch == epoch)
            {
                return ValueTask.FromResult<EpochReset?>(new EpochReset(topic, epoch, state.Epoch, state.ResetSeq));
            }

            if (state.Epoch != epoch)
            {
                return ValueTask.FromResult<EpochReset?>(null);
            }

            var firstRetained = state.History.Count == 0 ? state.LastSeq + 1 : state.History[0].Seq;
            state.PreviousEpoch = epoch;
            state.Epoch = Guid.NewGuid().ToString("N")[..8];
            state.ResetSeq = Math.Clamp(keptThroughSeq, firstRetained - 1, state.LastSeq);
            state.History.Relabel(state.Epoch);
            var reset = new EpochReset(topic, epoch, state.Epoch, state.ResetSeq);
            fanout.TopicReset(reset);
            return ValueTask.FromResult<EpochReset?>(reset);
        }
    }

    // Delivery is synchronous and exact here: every publication reaches the fan-out under the topic's lock.
    public ValueTask WatchAsync(string topic, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

    public void Unwatch(string topic)
    {
    }

    private sealed class TopicState(string name, DateTimeOffset createdAt, JsonElement? metadata, int historyCapacity, long historyMaxBytes, string? owner, string? ownerName)
    {
        public string Name { get; } = name;

        public string? Owner { get; } = owner;

        public string Epoch { get; set; } = Guid.NewGuid().ToString("N")[..8];

        /// <summary>The epoch the last reset replaced, and the seq after which the new one's messages follow it.</summary>
        public string? PreviousEpoch { get; set; }

        public long ResetSeq { get; set; }

        public HistoryRing History { get; } = new(historyCapacity, historyMaxBytes);

        /// <summary>The idempotency keys of this life of the topic (null until the first keyed publish); they go with it.</summary>
        public IdempotencyMemory? Idempotency { get; set; }

        public long LastSeq { get; set; }

        public DateTimeOffset? LastPublishedAt { get; set; }

        public bool Deleted { get; set; }

        public TopicInfo? Snapshot()
        {
            lock (this)
            {
                return Deleted ? null : new TopicInfo(Name, createdAt, metadata, LastSeq, LastPublishedAt, Epoch, ownerName);
            }
        }
    }
}
