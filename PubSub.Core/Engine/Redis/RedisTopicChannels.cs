using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace PubSub.Core.Engine.Redis;

/// <summary>
/// This node's subscriptions to topic channels: one per topic it has subscribers of, counted (the first watch
/// subscribes, the last unwatch unsubscribes), read in order through StackExchange.Redis's
/// <see cref="ChannelMessageQueue"/> and handed to the engine (<see cref="_onNotice"/>), with the receive queue bounded
/// (<see cref="BoundReceiveQueue"/>). On a Redis Cluster the channels are sharded, and a channel whose slot moves to
/// another cluster node is subscribed again there (<see cref="RewatchMovedAsync"/>).
/// </summary>
internal sealed partial class RedisTopicChannels : IDisposable
{
    private readonly RedisShards _shards;
    private readonly RedisKeys _keys;
    private readonly ILocalFanout _fanout;
    private readonly Action<string, ChannelNotice> _onNotice;
    private readonly ILogger _logger;
    private readonly int _receiveCapacity;
    private readonly Dictionary<string, ChannelWatch> _watches = new(StringComparer.Ordinal);
    private readonly List<Action> _unhook = [];
    private readonly ITimer _subscriptionCheck;
    private readonly List<KeptChannel> _kept = [];
    private int _checking;

    /// <param name="shards">Where each topic's channel is.</param>
    /// <param name="fanout">Told to resync a topic after its channel missed messages.</param>
    /// <param name="onNotice">Handed every notice a channel carries (a message, a reset, a deletion), in order per topic.</param>
    /// <param name="time">The clock of the subscription checks.</param>
    /// <param name="logger">The engine's logger.</param>
    public RedisTopicChannels(RedisShards shards, ILocalFanout fanout, Action<string, ChannelNotice> onNotice, TimeProvider time, ILogger logger)
    {
        _shards = shards;
        _keys = shards.Keys;
        _fanout = fanout;
        _onNotice = onNotice;
        _logger = logger;
        _receiveCapacity = shards.Options.ReceiveQueueCapacity;
        foreach (var store in shards.All)
        {
            EventHandler<EndPointEventArgs> changed = (_, e) => OnClusterChanged(store, e);
            store.Connection.ConfigurationChanged += changed;
            _unhook.Add(() => store.Connection.ConfigurationChanged -= changed);
        }

        _subscriptionCheck = time.CreateTimer(_ => _ = CheckSubscriptionsAsync(), null, shards.Options.LinkProbeInterval, shards.Options.LinkProbeInterval);
    }

    /// <summary>How many topics this node watches.</summary>
    public int Count
    {
        get
        {
            lock (_watches)
            {
                return _watches.Count;
            }
        }
    }

    public ValueTask WatchAsync(string topic, CancellationToken cancellationToken = default)
    {
        Task ready;
        lock (_watches)
        {
            if (!_watches.TryGetValue(topic, out var watch))
            {
                _watches[topic] = watch = NewWatch(topic);
            }

            if (++watch.Count == 1)
            {
                watch.Then(() => SubscribeChannelAsync(watch));
            }

            ready = watch.Tail;
        }

        return new ValueTask(_shards.For(topic).CallAsync("subscribe", mayHaveRun: false, async () =>
        {
            await ready;
            return true;
        }, cancellationToken));
    }

    public void Unwatch(string topic)
    {
        lock (_watches)
        {
            if (_watches.TryGetValue(topic, out var watch) && --watch.Count == 0)
            {
                watch.Then(() => UnsubscribeChannelAsync(watch));
            }
        }
    }

    private ChannelWatch NewWatch(string topic)
    {
        var watch = new ChannelWatch(topic);
        watch.Channel = new KeptChannel(_shards.For(topic), _keys.ChannelName(topic), (queue, message) => OnTopicMessage(watch, queue, message));
        return watch;
    }

    private async Task SubscribeChannelAsync(ChannelWatch watch)
    {
        if (watch.Channel.Queue is null)
        {
            await watch.Channel.SubscribeAsync();
        }
    }

    private async Task UnsubscribeChannelAsync(ChannelWatch watch)
    {
        lock (_watches)
        {
            if (watch.Count > 0)
            {
                return; // watched again meanwhile: the next operation in the chain is a subscribe that finds the queue
            }
        }

        await watch.Channel.UnsubscribeAsync();
        lock (_watches)
        {
            if (watch.Count == 0 && watch.Channel.Queue is null && _watches.TryGetValue(watch.Topic, out var current) && ReferenceEquals(current, watch))
            {
                _watches.Remove(watch.Topic);
            }
        }
    }

    private void OnTopicMessage(ChannelWatch watch, ChannelMessageQueue queue, ChannelMessage message)
    {
        var topic = watch.Topic;
        if (!BoundReceiveQueue(watch, queue))
        {
            return;
        }

        try
        {
            _onNotice(topic, RedisEntry.DecodeChannel(topic, (byte[])message.Message!));
        }
        catch (Exception ex)
        {
            // A message this node cannot read is lost to it like one the bus dropped: the next one shows the hole.
            Log.BadChannelMessage(_logger, ex, topic);
        }
    }

    /// <summary>
    /// The client queues what a channel receives without bound. When this node falls that far behind a topic (more than
    /// <see cref="RedisEngineOptions.ReceiveQueueCapacity"/> waiting), it skips what is queued instead of letting it grow,
    /// and once caught up reads what it skipped from history (a resync of the topic): memory stays bounded, nothing is
    /// lost. False while skipping.
    /// </summary>
    private bool BoundReceiveQueue(ChannelWatch watch, ChannelMessageQueue queue)
    {
        if (!queue.TryGetCount(out var waiting))
        {
            return true;
        }

        if (watch.Skipping)
        {
            if (waiting > _receiveCapacity / 2)
            {
                return false;
            }

            watch.Skipping = false;
            Log.ReceiveCaughtUp(_logger, watch.Topic);
            _fanout.Resync(watch.Topic);
            return false;
        }

        if (waiting > _receiveCapacity)
        {
            watch.Skipping = true;
            Log.ReceiveOverflow(_logger, watch.Topic, waiting);
            return false;
        }

        return true;
    }

    /// <summary>
    /// A Redis Cluster moved slots (a migration, or a failover that made a replica the primary): topic channels whose slot
    /// is now served by another cluster node are subscribed again there (<see cref="RewatchMovedAsync"/>).
    /// </summary>
    private void OnClusterChanged(RedisStore store, EndPointEventArgs e)
    {
        if (store.IsCluster)
        {
            Log.ClusterChanged(_logger, e.EndPoint?.ToString() ?? "?");
            _ = CheckSubscriptionsAsync();
        }
    }

    /// <summary>
    /// Subscribes again, on the cluster node that owns it now, every watched topic channel of <paramref name="store"/>
    /// whose subscription is not there (its slot moved, or its node failed over), then reads from history what the topic
    /// published in between (a resync of the topic: what it finds again is delivered once, the fan-out goes by seq).
    /// The Redis client is told of a move by the unsolicited <c>SUNSUBSCRIBE</c> of the old owner, or a <c>MOVED</c>
    /// answer, or a lost link, but does not always subscribe again by itself; this is checked whenever the cluster's
    /// configuration changes and every <see cref="RedisEngineOptions.LinkProbeInterval"/> (<see cref="CheckSubscriptionsAsync"/>),
    /// so a topic is never left deaf. Returns how many were subscribed again.
    /// </summary>
    private Task<int> RewatchMovedAsync(RedisStore store)
    {
        var moved = new List<Task>();
        lock (_watches)
        {
            foreach (var watch in _watches.Values)
            {
                // Not while an operation of the watch runs; a watch left without a queue is one whose subscribe failed.
                if (watch.Count > 0 && watch.Tail.IsCompleted && ReferenceEquals(_shards.For(watch.Topic), store) && watch.Channel.Lost)
                {
                    watch.Then(() => ResubscribeAsync(watch));
                    moved.Add(watch.Tail);
                }
            }
        }

        return moved.Count == 0 ? Task.FromResult(0) : CountAsync(moved);

        static async Task<int> CountAsync(List<Task> tasks)
        {
            await Task.WhenAll(tasks).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            return tasks.Count;
        }
    }

    /// <summary>
    /// Makes sure every watched topic channel, and every channel kept through <see cref="Keep"/>, is subscribed (on a Redis
    /// Cluster, on its slot's owner). One check at a time: a slow one makes the next tick's a no-op.
    /// </summary>
    private async Task CheckSubscriptionsAsync()
    {
        if (Interlocked.Exchange(ref _checking, 1) == 1)
        {
            return;
        }

        try
        {
            foreach (var store in _shards.All)
            {
                await RewatchMovedAsync(store);
            }

            KeptChannel[] kept;
            lock (_kept)
            {
                kept = [.. _kept];
            }

            foreach (var channel in kept)
            {
                if (await channel.EnsureAsync())
                {
                    Log.Resubscribed(_logger, channel.Name);
                }
            }
        }
        finally
        {
            Volatile.Write(ref _checking, 0);
        }
    }

    /// <summary>
    /// Keeps a channel of the node's own (topic events, cluster requests, the link probe) subscribed like the topic
    /// channels: again after a failed subscribe, and on a Redis Cluster after its slot moved. Subscribes it now (not
    /// awaited: a failure is retried at the next check).
    /// </summary>
    public void Keep(KeptChannel channel)
    {
        lock (_kept)
        {
            _kept.Add(channel);
        }

        _ = CheckSubscriptionsAsync();
    }

    private async Task ResubscribeAsync(ChannelWatch watch)
    {
        if (!watch.Channel.Lost)
        {
            return; // already subscribed again where it belongs
        }

        lock (_watches)
        {
            if (watch.Count == 0)
            {
                return; // unwatched meanwhile: the unsubscribe queued after this finds nothing to do
            }
        }

        Log.Resubscribing(_logger, watch.Topic);
        try
        {
            await watch.Channel.SubscribeAsync();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.ResubscribeFailed(_logger, watch.Topic, ex.Message); // the next check tries again
        }
        finally
        {
            // Subscribed or not, what was published meanwhile is in history.
            _fanout.Resync(watch.Topic);
        }
    }

    public void Dispose()
    {
        _subscriptionCheck.Dispose();
        foreach (var unhook in _unhook)
        {
            unhook();
        }
    }

    /// <summary>
    /// One topic's channel subscription on this node, counted: the first watch subscribes, the last unwatch
    /// unsubscribes. The Redis operations run one after another through <see cref="Tail"/>, so a subscribe and an
    /// unsubscribe of the same topic never overtake each other. Guarded by the <c>_watches</c> lock.
    /// </summary>
    private sealed class ChannelWatch(string topic)
    {
        public string Topic { get; } = topic;

        public int Count { get; set; }

        /// <summary>The topic's channel; subscribed while <see cref="Count"/> is above 0.</summary>
        public KeptChannel Channel { get; set; } = null!;

        /// <summary>The receive queue overflowed: messages are skipped until it drains, then read from history. Read by the queue's one reader only.</summary>
        public bool Skipping { get; set; }

        public Task Tail { get; private set; } = Task.CompletedTask;

        public void Then(Func<Task> next)
        {
            var previous = Tail;
            Tail = Run();

            async Task Run()
            {
                await previous.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                await next();
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(206, LogLevel.Error, "Redis engine: unreadable message on the channel of topic {Topic}")]
        public static partial void BadChannelMessage(ILogger logger, Exception exception, string topic);

        [LoggerMessage(211, LogLevel.Warning, "Redis engine: topic {Topic} has {Waiting} messages waiting to be handed to subscribers (over PubSub:Redis:ReceiveQueueCapacity); skipping them and reading them from history once caught up")]
        public static partial void ReceiveOverflow(ILogger logger, string topic, int waiting);

        [LoggerMessage(212, LogLevel.Information, "Redis engine: topic {Topic} caught up; reading what was skipped from history")]
        public static partial void ReceiveCaughtUp(ILogger logger, string topic);

        [LoggerMessage(215, LogLevel.Information, "Redis engine: the Redis Cluster's configuration changed (at {Endpoint}); checking that every watched topic is subscribed on its slot's owner")]
        public static partial void ClusterChanged(ILogger logger, string endpoint);

        [LoggerMessage(216, LogLevel.Information, "Redis engine: topic {Topic}'s channel is not subscribed on the cluster node that serves its slot now (the slot moved, or a subscribe failed); subscribing there and reading what was published meanwhile from history")]
        public static partial void Resubscribing(ILogger logger, string topic);

        [LoggerMessage(217, LogLevel.Warning, "Redis engine: subscribing topic {Topic}'s channel on its slot's owner failed ({Why}); trying again at the next check")]
        public static partial void ResubscribeFailed(ILogger logger, string topic, string why);

        [LoggerMessage(220, LogLevel.Information, "Redis engine: channel {Channel} was not subscribed where it is served (a failed subscribe, or its slot moved); subscribed it again")]
        public static partial void Resubscribed(ILogger logger, string channel);
    }
}
