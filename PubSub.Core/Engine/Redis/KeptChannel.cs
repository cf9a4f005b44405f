using System.Net;
using StackExchange.Redis;

namespace PubSub.Core.Engine.Redis;

/// <summary>
/// One subscription of this node's that must outlive what happens to Redis: subscribed when asked, and subscribed again
/// (<see cref="EnsureAsync"/>) when its first subscribe failed or, on a Redis Cluster, when its channel is not held where
/// its slot is served now. The client re-subscribes by itself after a lost connection, but after a slot migration it
/// does not always (seen with StackExchange.Redis 2.13: the old owner's unsolicited <c>SUNSUBSCRIBE</c> wiped it), and
/// its own record of where a channel is subscribed can name the right node after the slot moved away and back while
/// that node dropped it with the move; so the node it was subscribed on is remembered here and compared with the owner.
/// </summary>
/// <remarks>Not thread-safe: each owner calls it from one place at a time (a watch's chain, a timer tick).</remarks>
internal sealed class KeptChannel(RedisStore store, string name, Action<ChannelMessageQueue, ChannelMessage> onMessage)
{
    private ChannelMessageQueue? _queue;
    private EndPoint? _owner;

    public string Name => name;

    /// <summary>The subscription's queue while subscribed.</summary>
    public ChannelMessageQueue? Queue => _queue;

    /// <summary>Not subscribed, or (on a Redis Cluster) not where the channel's slot is served now.</summary>
    public bool Lost => _queue is not { } queue
        || (queue.Channel.IsSharded && (store.Bus.SubscribedEndpoint(queue.Channel) is null || store.OwnerOf(queue.Channel) is { } owner && !owner.Equals(_owner)));

    /// <summary>
    /// Subscribes, leaving a lost subscription first; bounded by the operation timeout (while a Redis Cluster moves the
    /// slot a subscribe can be left unanswered). Throws <see cref="RedisException"/> or <see cref="TimeoutException"/>.
    /// </summary>
    public async Task SubscribeAsync()
    {
        await UnsubscribeAsync();
        var channel = store.Channel(name);
        var owner = store.OwnerOf(channel); // before subscribing: a move after this is one the next check sees
        var subscribing = store.Bus.SubscribeAsync(channel);
        ChannelMessageQueue queue;
        try
        {
            queue = await subscribing.WaitAsync(store.Options.OperationTimeout);
        }
        catch (TimeoutException)
        {
            // The client may still complete it later: that queue is nobody's, so it is let go then.
            _ = subscribing.ContinueWith(t => t.Result.Unsubscribe(CommandFlags.FireAndForget), CancellationToken.None, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            throw;
        }

        queue.OnMessage(message => onMessage(queue, message));
        _owner = owner;
        _queue = queue;
    }

    /// <summary>Subscribes when <see cref="Lost"/>; true when it did, false when it was not needed or failed (the next call tries again).</summary>
    public async Task<bool> EnsureAsync()
    {
        if (!Lost)
        {
            return false;
        }

        try
        {
            await SubscribeAsync();
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return false;
        }
    }

    public async Task UnsubscribeAsync()
    {
        if (_queue is not { } queue)
        {
            return;
        }

        _queue = null;
        try
        {
            await queue.UnsubscribeAsync();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // Not reachable, or no longer serving the slot: the server dropped the subscription, and the client forgets it.
        }
    }
}
