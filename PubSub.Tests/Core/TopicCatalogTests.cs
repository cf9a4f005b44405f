using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using PubSub.Core;
using PubSub.Core.Cluster;
using PubSub.Core.Engine;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Core;

/// <summary>
/// The node's cached topic list (what dashboards and /health read): one store read per second however many readers,
/// fresh at once after a creation or deletion, the last list while the store is away. The engine here is a stand-in
/// that counts reads and can fail like Redis; the Redis engine itself is under test in EngineContractTests.
/// </summary>
public sealed class TopicCatalogTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-01T00:00:00Z"));
    private readonly SharedStore _store = new();

    [Fact]
    public async Task Many_readers_within_a_second_cost_one_read_of_the_store()
    {
        var catalog = new TopicCatalog(_store, _time);
        _store.Topics.Add(Topic("orders"));

        var reads = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => catalog.ListAsync(CancellationToken.None).AsTask())).Within();
        Assert.All(reads, r => Assert.Equal("orders", Assert.Single(r).Name));
        for (var i = 0; i < 20; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(40));
            await catalog.ListAsync(CancellationToken.None).Within();
        }

        Assert.Equal(1, _store.Lists);
        _time.Advance(TopicCatalog.MaxAge);
        await catalog.ListAsync(CancellationToken.None).Within();
        Assert.Equal(2, _store.Lists);
    }

    [Fact]
    public async Task A_topic_created_or_deleted_on_any_node_is_read_again_at_once()
    {
        var catalog = new TopicCatalog(_store, _time);
        Assert.Empty(await catalog.ListAsync(CancellationToken.None).Within());

        _store.Topics.Add(Topic("orders")); // created through another node: the engine's event invalidates
        catalog.Invalidate();
        Assert.Equal("orders", Assert.Single(await catalog.ListAsync(CancellationToken.None).Within()).Name);
        Assert.Equal(2, _store.Lists);
    }

    [Fact]
    public async Task While_the_store_is_away_the_last_list_is_served_with_this_nodes_own_changes_and_retried_once_a_second()
    {
        var catalog = new TopicCatalog(_store, _time);
        _store.Topics.Add(Topic("orders"));
        _store.Topics.Add(Topic("news"));
        await catalog.ListAsync(CancellationToken.None).Within();

        _store.Away = true;
        catalog.Apply(created: Topic("alerts"));
        catalog.Apply(deleted: "news");
        var names = (await catalog.ListAsync(CancellationToken.None).Within()).Select(t => t.Name);
        Assert.Equal(["alerts", "orders"], names);
        var lists = _store.Lists;
        for (var i = 0; i < 10; i++)
        {
            await catalog.ListAsync(CancellationToken.None).Within();
        }

        Assert.Equal(lists, _store.Lists);
        _time.Advance(TopicCatalog.MaxAge);
        _store.Away = false;
        Assert.Equal(["news", "orders"], (await catalog.ListAsync(CancellationToken.None).Within()).Select(t => t.Name));
    }

    [Fact]
    public async Task With_no_list_yet_a_store_that_is_away_is_UNAVAILABLE()
    {
        var catalog = new TopicCatalog(_store, _time);
        _store.Away = true;
        var error = await Assert.ThrowsAsync<PubSubException>(() => catalog.ListAsync(CancellationToken.None).AsTask()).Within();
        Assert.Equal(PubSubErrorCode.Unavailable, error.Code);
    }

    [Fact]
    public async Task An_engine_in_this_process_is_read_directly()
    {
        var local = new CountingStore();
        var catalog = new TopicCatalog(local, _time);
        await catalog.ListAsync(CancellationToken.None).Within();
        await catalog.ListAsync(CancellationToken.None).Within();
        Assert.Equal(2, local.Lists);
    }

    private static TopicInfo Topic(string name) => new(name, DateTimeOffset.Parse("2026-12-01T00:00:00Z"), null, 0, null, "e1");

    /// <summary>Topics in a list, reads counted; <see cref="Away"/> fails reads as the Redis engine does when Redis is gone.</summary>
    private class CountingStore : IPubSubEngine
    {
        private int _lists;

        public List<TopicInfo> Topics { get; } = [];

        public bool Away { get; set; }

        public int Lists => Volatile.Read(ref _lists);

        public async ValueTask<IReadOnlyList<TopicInfo>> ListTopicsAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _lists);
            await Task.Yield();
            if (Away)
            {
                throw new PubSubException(PubSubErrorCode.Unavailable, "Redis at 127.0.0.1:1 is unreachable");
            }

            return [.. Topics.OrderBy(t => t.Name, StringComparer.Ordinal)];
        }

        public ValueTask<TopicInfo?> CreateTopicAsync(string name, JsonElement? metadata, TopicQuota? quota = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<bool> DeleteTopicAsync(string name, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<TopicInfo?> GetTopicAsync(string name, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<PublishReceipt?> PublishAsync(string topic, string id, ReadOnlyMemory<byte> payload, string? publisherId, string? idempotencyKey = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<HistorySlice?> ReadHistoryAsync(string topic, HistoryQuery query, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<EpochReset?> ResetEpochAsync(string topic, string epoch, long keptThroughSeq, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask WatchAsync(string topic, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public void Unwatch(string topic) => throw new NotSupportedException();
    }

    /// <summary>A store shared by several nodes: it has topic events, so the catalog caches it.</summary>
    private sealed class SharedStore : CountingStore, ITopicEvents
    {
        public event Action<string, bool>? TopicChanged
        {
            add { }
            remove { }
        }
    }
}
