using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PubSub.Core;
using PubSub.Core.Delivery;
using PubSub.Core.Engine;
using PubSub.Core.Hosting;
using PubSub.Tests.Engine;
using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Core.BrokerFactory;

namespace PubSub.Tests.Core;

/// <summary>
/// The shared delivery path's edges: subscribes racing disconnects, failing history reads, unknown topics, and a
/// bus that loses, repeats and reorders nothing but what the test tells it to (<see cref="LossyBus"/>).
/// Over 400 lines because the edges share the lossy bus and its harness; each test reads on its own.
/// </summary>
public sealed class DeliveryPathTests
{
    [Fact]
    public async Task A_subscribe_whose_connection_closes_during_the_history_read_ends_cleanly()
    {
        var (broker, engine, _) = Build();
        await broker.CreateTopicAsync("t").Within();
        var connection = broker.Connect("test");
        engine.HoldReads();
        var subscribing = broker.SubscribeAsync(connection, "t", "s", lastN: 1).AsTask();
        await engine.ReadStarted.Within();
        broker.Disconnect(connection); // closes the pending subscription while its read is under way
        engine.ReleaseReads();

        await subscribing.Within(); // Activate after Close: no NullReferenceException, nothing left behind
        Assert.Equal(0, broker.SubscriptionCount);
        Assert.Empty(connection.Topics);
    }

    [Fact]
    public async Task A_subscribe_on_a_closed_connection_adds_nothing()
    {
        var (broker, _, fanout) = Build();
        await broker.CreateTopicAsync("t").Within();
        var connection = broker.Connect("test");
        broker.Disconnect(connection);

        var ex = await Assert.ThrowsAsync<PubSubException>(() => broker.SubscribeAsync(connection, "t", "s").AsTask()).Within();
        Assert.Equal(PubSubErrorCode.BadRequest, ex.Code);
        Assert.Equal(0, broker.SubscriptionCount);
        Assert.Empty(broker.GetSubscribers("t"));
        Assert.Equal(0, fanout.TopicCount);
    }

    [Fact]
    public async Task A_failing_second_history_read_leaves_no_pending_subscription()
    {
        var (broker, engine, fanout) = Build();
        await broker.CreateTopicAsync("t").Within();
        for (var i = 0; i < 3; i++)
        {
            await broker.PublishAsync("t", Draft()).Within();
        }

        // since_seq beyond the topic's latest: the first read finds nothing after it, the second reads everything.
        engine.FailReadNumber(2);
        var connection = broker.Connect("test");
        await Assert.ThrowsAsync<InvalidOperationException>(() => broker.SubscribeAsync(connection, "t", "s", sinceSeq: 50).AsTask()).Within();
        Assert.Equal(0, broker.SubscriptionCount);
        Assert.Empty(connection.Topics);
        Assert.Equal(0, fanout.TopicCount);

        await broker.PublishAsync("t", Draft()).Within();
        Assert.Empty(connection.DrainNow()); // nothing offered to it, nothing held for it
    }

    [Fact]
    public async Task Subscribing_to_unknown_topics_leaves_no_fan_out_entries()
    {
        var (broker, _, fanout) = Build();
        var connection = broker.Connect("test");
        for (var i = 0; i < 100; i++)
        {
            var ex = await Assert.ThrowsAsync<PubSubException>(() => broker.SubscribeAsync(connection, $"nope{i}", "s").AsTask()).Within();
            Assert.Equal(PubSubErrorCode.TopicNotFound, ex.Code);
        }

        Assert.Equal(0, fanout.TopicCount);
        await broker.CreateTopicAsync("t").Within();
        await broker.SubscribeAsync(connection, "t", "s").Within();
        Assert.Equal(1, fanout.TopicCount);
        await broker.UnsubscribeAsync(connection, "t").Within();
        Assert.Equal(0, fanout.TopicCount);
    }

    [Fact]
    public async Task A_lost_event_is_filled_from_history_in_order()
    {
        var (broker, _, _, bus) = BuildLossy();
        await broker.CreateTopicAsync("t").Within();
        var connection = broker.Connect("test");
        await broker.SubscribeAsync(connection, "t", "s").Within();
        bus.Drop(3, 4);
        for (var i = 0; i < 6; i++)
        {
            await broker.PublishAsync("t", Draft()).Within();
        }

        var frames = await connection.ReadThroughSeqAsync(6);
        Assert.Equal([1, 2, 3, 4, 5, 6], frames.Seqs());
        Assert.DoesNotContain(frames, f => f.Kind == OutboundKind.Gap);
    }

    [Fact]
    public async Task A_repeated_event_is_delivered_once()
    {
        var (broker, _, _, bus) = BuildLossy();
        await broker.CreateTopicAsync("t").Within();
        var connection = broker.Connect("test");
        await broker.SubscribeAsync(connection, "t", "s").Within();
        bus.Repeat(2);
        for (var i = 0; i < 3; i++)
        {
            await broker.PublishAsync("t", Draft()).Within();
        }

        Assert.Equal([1, 2, 3], (await connection.ReadThroughSeqAsync(3)).Seqs());
        Assert.Empty(connection.DrainNow());
    }

    [Fact]
    public async Task What_history_no_longer_holds_is_announced_as_a_gap_and_delivery_goes_on()
    {
        var (broker, _, _, bus) = BuildLossy(o => o.History.Capacity = 3);
        await broker.CreateTopicAsync("t").Within();
        var connection = broker.Connect("test");
        await broker.SubscribeAsync(connection, "t", "s").Within();
        bus.Drop(2, 3, 4, 5, 6, 7, 8);
        for (var i = 0; i < 10; i++)
        {
            await broker.PublishAsync("t", Draft()).Within();
        }

        // 9 shows the hole after 1. History holds the newest three when the repair reads it: 7, 8, 9 (if 10 is not
        // published yet) or 8, 9, 10. Either way 2 up to the oldest retained minus one are gone, and the rest arrive.
        var frames = await connection.ReadThroughSeqAsync(10);
        var gap = Assert.Single(frames, f => f.Kind == OutboundKind.Gap);
        Assert.Equal("t", gap.Topic);
        Assert.Equal(2, gap.Gap.FromSeq);
        Assert.InRange(gap.Gap.ToSeq, 6, 7);
        Assert.Equal([1, .. Enumerable.Range((int)gap.Gap.ToSeq + 1, 10 - (int)gap.Gap.ToSeq).Select(i => (long)i)], frames.Seqs());
        Assert.True(frames.IndexOf(gap) < frames.FindIndex(f => f.Kind == OutboundKind.Event && f.Message!.Seq == gap.Gap.ToSeq + 1));
    }

    [Fact]
    public async Task A_resync_delivers_what_the_bus_lost_without_waiting_for_the_next_event()
    {
        var (broker, _, fanout, bus) = BuildLossy();
        await broker.CreateTopicAsync("t").Within();
        var connection = broker.Connect("test");
        await broker.SubscribeAsync(connection, "t", "s").Within();
        await broker.PublishAsync("t", Draft()).Within();
        bus.Drop(2, 3);
        await broker.PublishAsync("t", Draft()).Within();
        await broker.PublishAsync("t", Draft()).Within();
        Assert.Equal([1], (await connection.ReadThroughSeqAsync(1)).Seqs());

        fanout.Resync(); // what an engine does after its bus reconnects
        Assert.Equal([2, 3], (await connection.ReadThroughSeqAsync(3)).Seqs());
    }

    [Fact]
    public async Task An_event_of_a_newer_life_ends_a_subscription_whose_deletion_notice_was_lost()
    {
        var (broker, _, _, bus) = BuildLossy();
        await broker.CreateTopicAsync("t").Within();
        var connection = broker.Connect("test");
        await broker.SubscribeAsync(connection, "t", "s").Within();
        bus.LoseDeletions = true;
        await broker.DeleteTopicAsync("t").Within();
        await broker.CreateTopicAsync("t").Within();
        var other = broker.Connect("test");
        await broker.SubscribeAsync(other, "t", "s").Within();
        await broker.PublishAsync("t", Draft()).Within();

        var frames = await connection.ReadUntilAsync(f => f.Exists(x => x.Kind == OutboundKind.TopicDeleted));
        Assert.Empty(frames.Seqs()); // never an event of the new life on the old subscription
        Assert.Empty(connection.Topics);
        Assert.Equal([1], (await other.ReadThroughSeqAsync(1)).Seqs());
    }

    [Fact]
    public async Task A_resync_covers_a_subscription_still_being_set_up()
    {
        var (broker, engine, fanout, bus) = BuildScriptedLossy();
        await broker.CreateTopicAsync("t").Within();
        await broker.PublishAsync("t", Draft()).Within();
        engine.AfterNextRead = async () =>
        {
            // Between the subscribe's history read and its activation the bus loses seq 2, then reconnects (a resync).
            bus.Drop(2);
            await broker.PublishAsync("t", Draft());
            fanout.Resync();
        };
        var connection = broker.Connect("test");
        await broker.SubscribeAsync(connection, "t", "s", lastN: 5).Within();
        Assert.Equal([1, 2], (await connection.ReadThroughSeqAsync(2)).Seqs()); // without waiting for a seq 3 to show the hole
    }

    [Fact]
    public async Task A_resync_reads_history_for_a_bounded_number_of_topics_at_once()
    {
        const int Topics = 40;
        var (broker, engine, fanout) = Build();
        var connections = new List<BrokerConnection>();
        for (var i = 0; i < Topics; i++)
        {
            await broker.CreateTopicAsync($"t{i}").Within();
            var connection = broker.Connect("test");
            await broker.SubscribeAsync(connection, $"t{i}", "s").Within();
            connections.Add(connection);
        }

        var before = engine.Reads;
        engine.HoldReads();
        fanout.Resync(); // as after a reconnect: every topic repairs
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (engine.InFlight < 16)
        {
            Assert.True(clock.Elapsed < Timeouts.Long, $"only {engine.InFlight} repair reads started");
            await Task.Delay(10); // polling a count the test cannot await
        }

        engine.ReleaseReads();
        while (engine.Reads - before < Topics)
        {
            Assert.True(clock.Elapsed < Timeouts.Long, $"only {engine.Reads - before} of {Topics} repair reads finished");
            await Task.Delay(10);
        }

        Assert.Equal(16, engine.MaxInFlight);
    }

    private static (PubSubBroker Broker, ScriptedEngine Engine, LocalFanout Fanout, LossyBus Bus) BuildScriptedLossy()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPubSub();
        services.RemoveAll<IPubSubEngine>();
        services.RemoveAll<ILocalFanout>();
        services.AddSingleton<LossyBus>(sp => new LossyBus(sp.GetRequiredService<LocalFanout>()));
        services.AddSingleton<ILocalFanout>(sp => sp.GetRequiredService<LossyBus>());
        services.AddSingleton<InMemoryEngine>();
        services.AddSingleton<ScriptedEngine>(sp => new ScriptedEngine(sp.GetRequiredService<InMemoryEngine>()));
        services.AddSingleton<IPubSubEngine>(sp => sp.GetRequiredService<ScriptedEngine>());
        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<PubSubBroker>(), provider.GetRequiredService<ScriptedEngine>(), provider.GetRequiredService<LocalFanout>(), provider.GetRequiredService<LossyBus>());
    }

    private static (PubSubBroker Broker, ScriptedEngine Engine, LocalFanout Fanout) Build(Action<PubSubOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPubSub(configure: configure);
        services.RemoveAll<IPubSubEngine>();
        services.AddSingleton<InMemoryEngine>();
        services.AddSingleton<ScriptedEngine>(sp => new ScriptedEngine(sp.GetRequiredService<InMemoryEngine>()));
        services.AddSingleton<IPubSubEngine>(sp => sp.GetRequiredService<ScriptedEngine>());
        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<PubSubBroker>(), provider.GetRequiredService<ScriptedEngine>(), provider.GetRequiredService<LocalFanout>());
    }

    private static (PubSubBroker Broker, IPubSubEngine Engine, LocalFanout Fanout, LossyBus Bus) BuildLossy(Action<PubSubOptions>? configure = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPubSub(configure: configure);
        services.RemoveAll<ILocalFanout>();
        services.AddSingleton<LossyBus>(sp => new LossyBus(sp.GetRequiredService<LocalFanout>()));
        services.AddSingleton<ILocalFanout>(sp => sp.GetRequiredService<LossyBus>());
        var provider = services.BuildServiceProvider();
        return (provider.GetRequiredService<PubSubBroker>(), provider.GetRequiredService<IPubSubEngine>(), provider.GetRequiredService<LocalFanout>(), provider.GetRequiredService<LossyBus>());
    }

    /// <summary>The in-memory engine with history reads the test can hold back or fail.</summary>
    private sealed class ScriptedEngine(IPubSubEngine inner) : IPubSubEngine
    {
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private TaskCompletionSource? _hold;
        private int _reads;
        private int _failAt;

        public Task ReadStarted => _started.Task;

        public void HoldReads() => _hold = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        public void ReleaseReads() => _hold?.TrySetResult();

        public void FailReadNumber(int n) => (_reads, _failAt) = (0, n);

        private int _inFlight;
        private int _maxInFlight;
        private int _finished;
        private Func<Task>? _afterNextRead;

        /// <summary>Runs once, after the next read has read history and before it returns.</summary>
        public Func<Task>? AfterNextRead
        {
            get => _afterNextRead;
            set => _afterNextRead = value;
        }

        public int InFlight => Volatile.Read(ref _inFlight);

        public int MaxInFlight => Volatile.Read(ref _maxInFlight);

        public int Reads => Volatile.Read(ref _finished);

        public async ValueTask<HistorySlice?> ReadHistoryAsync(string topic, HistoryQuery query, CancellationToken cancellationToken = default)
        {
            var now = Interlocked.Increment(ref _inFlight);
            InterlockedMax(ref _maxInFlight, now);
            try
            {
                _started.TrySetResult();
                if (_hold is { } hold)
                {
                    await hold.Task;
                }

                if (Interlocked.Increment(ref _reads) == _failAt)
                {
                    throw new InvalidOperationException("simulated history read failure");
                }

                var slice = await inner.ReadHistoryAsync(topic, query, cancellationToken);
                if (Interlocked.Exchange(ref _afterNextRead, null) is { } after)
                {
                    await after();
                }

                return slice;
            }
            finally
            {
                Interlocked.Decrement(ref _inFlight);
                Interlocked.Increment(ref _finished);
            }
        }

        private static void InterlockedMax(ref int target, int value)
        {
            int seen;
            while ((seen = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, seen) != seen)
            {
            }
        }

        public ValueTask<TopicInfo?> CreateTopicAsync(string name, JsonElement? metadata, TopicQuota? quota = null, CancellationToken cancellationToken = default) => inner.CreateTopicAsync(name, metadata, quota, cancellationToken);

        public ValueTask<bool> DeleteTopicAsync(string name, CancellationToken cancellationToken = default) => inner.DeleteTopicAsync(name, cancellationToken);

        public ValueTask<TopicInfo?> GetTopicAsync(string name, CancellationToken cancellationToken = default) => inner.GetTopicAsync(name, cancellationToken);

        public ValueTask<IReadOnlyList<TopicInfo>> ListTopicsAsync(CancellationToken cancellationToken = default) => inner.ListTopicsAsync(cancellationToken);

        public ValueTask<PublishReceipt?> PublishAsync(string topic, string id, ReadOnlyMemory<byte> payload, string? publisherId, string? idempotencyKey = null, CancellationToken cancellationToken = default) =>
            inner.PublishAsync(topic, id, payload, publisherId, idempotencyKey, cancellationToken);

        public ValueTask<EpochReset?> ResetEpochAsync(string topic, string epoch, long keptThroughSeq, CancellationToken cancellationToken = default) =>
            inner.ResetEpochAsync(topic, epoch, keptThroughSeq, cancellationToken);

        public ValueTask WatchAsync(string topic, CancellationToken cancellationToken = default) => inner.WatchAsync(topic, cancellationToken);

        public void Unwatch(string topic) => inner.Unwatch(topic);
    }
}

/// <summary>
/// Between an engine and the fan-out: a bus that loses or repeats the deliveries (and deletion notices) a test
/// names, as Redis pub/sub may. History is the engine's, untouched: what the bus loses is still there to repair from.
/// </summary>
internal sealed class LossyBus(ILocalFanout inner) : ILocalFanout
{
    private readonly HashSet<long> _drop = [];
    private readonly HashSet<long> _repeat = [];

    public bool LoseDeletions { get; set; }

    public void Drop(params long[] seqs)
    {
        lock (_drop)
        {
            _drop.UnionWith(seqs);
        }
    }

    public void Repeat(params long[] seqs)
    {
        lock (_drop)
        {
            _repeat.UnionWith(seqs);
        }
    }

    public void Deliver(PublishedMessage message)
    {
        bool drop, repeat;
        lock (_drop)
        {
            drop = _drop.Contains(message.Seq);
            repeat = _repeat.Contains(message.Seq);
        }

        if (!drop)
        {
            inner.Deliver(message);
        }

        if (repeat)
        {
            inner.Deliver(message);
        }
    }

    public void TopicDeleted(string topic, string epoch)
    {
        if (!LoseDeletions)
        {
            inner.TopicDeleted(topic, epoch);
        }
    }

    public void Resync(string? topic = null) => inner.Resync(topic);

    public void TopicReset(EpochReset reset) => inner.TopicReset(reset);
}
