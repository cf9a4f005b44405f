using PubSub.Core;

namespace PubSub.Server.WebSockets;

/// <summary>
/// One <c>/ws</c> connection's publishes that are with the store and not answered yet. With the Redis engine a
/// publish is a round trip; handling one connection's publishes strictly one after another would cap it at one
/// per round trip, and the bus would carry them one at a time (no batching anywhere downstream). Instead the
/// receive loop hands each publish to the engine and reads the next request while the store answers.
/// </summary>
/// <remarks>
/// <para><b>Order.</b> The engine sends a connection's publishes to the store in the order they are started (one
/// connection, commands written in call order), so their seqs keep the order the client sent them in; the
/// replies are queued in that order too, each after the one before (<see cref="_tail"/>). A request that is not a
/// publish first waits for every reply before it (<see cref="DrainAsync"/>).</para>
/// <para><b>Bound.</b> At most <see cref="MaxInFlight"/> publishes are in flight per connection; then the receive
/// loop waits, and TCP slows the client down.</para>
/// <para><b>Not pipelined</b> when topics are created on first use: such a publish may go to the store twice (a
/// retry after creating the topic), and a later one must not overtake it.</para>
/// </remarks>
internal sealed class WsPublishPipeline(PubSubOptions options, Action<byte[]> reply, Func<byte[]?, Exception, byte[]> error, IWsDialect dialect, TimeProvider time)
{
    public const int MaxInFlight = 256;

    // Only the receive loop assigns it; the chain's own continuations read nothing else of this object's state.
    private Task _tail = Task.CompletedTask;
    private int _inFlight;

    public bool CanPipeline(bool createTopics) => !options.AutoCreateTopics && !createTopics;

    /// <summary>Takes a started publish; its reply is queued once it and every publish before it are answered.</summary>
    public Task AddAsync(ValueTask<PublishReceipt> publishing, WsRequest request)
    {
        Interlocked.Increment(ref _inFlight);
        _tail = ReplyInOrderAsync(_tail, publishing.AsTask(), request);
        return Volatile.Read(ref _inFlight) >= MaxInFlight ? _tail : Task.CompletedTask;
    }

    /// <summary>Completes when every publish taken so far has been replied to.</summary>
    public Task DrainAsync() => _tail;

    private async Task ReplyInOrderAsync(Task previous, Task<PublishReceipt> publishing, WsRequest request)
    {
        await previous; // never faults: every failure becomes an error reply below
        byte[] frame;
        try
        {
            frame = dialect.Published(request, await publishing, time.GetUtcNow());
        }
        catch (Exception ex)
        {
            frame = error(request.RequestId, ex);
        }

        reply(frame);
        Interlocked.Decrement(ref _inFlight);
    }
}
