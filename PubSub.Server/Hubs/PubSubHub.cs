using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.SignalR;
using PubSub.Core;
using PubSub.Core.Access;
using PubSub.Core.Delivery;
using PubSub.Server.Api;

namespace PubSub.Server.Hubs;

/// <summary>
/// The SignalR hub <c>/hubs/pubsub</c> (PROTOCOL.md §7): an adapter like <c>/ws</c>. Each method turns one request
/// object into a broker call; delivery is the connection's <see cref="HubSession"/> send loop draining the
/// broker's bounded queue. A hub instance lives for one invocation.
/// </summary>
internal sealed class PubSubHub(PubSubBroker broker, IPubSubAuthorizer keys, TimeProvider time) : Hub<IPubSubClient>
{
    // The barrier this invocation queued, released once SignalR has written the invocation's result (see Dispose).
    private HubBarrier? _barrier;

    /// <summary><c>{"topic","clientId","lastN"|"sinceSeq"}</c> → <c>{"topic","status","seq","gap"}</c>, then the replay and live events as <c>Event</c> calls.</summary>
    public async Task<SubscribeResult> Subscribe(HubJson request)
    {
        var r = HubRequestParser.Parse(request, HubRequestParser.Kind.Subscribe, broker.Options.History.Capacity);
        HubSession.Of(Context).Limits.Control();
        Authorize(PubSubOperation.Subscribe, r.Topic);
        var barrier = _barrier = new HubBarrier();

        // The barrier takes the place of /ws's ack frame: the broker queues it, then the replay, then live events.
        var outcome = await broker.SubscribeAsync(
            HubSession.Of(Context).Connection, r.Topic, r.ClientId!, r.LastN ?? 0, r.SinceSeq, r.Epoch, _ => OutboundFrame.ForReply(barrier), Context.ConnectionAborted);
        return new SubscribeResult { Topic = outcome.Topic, Seq = outcome.Seq, Gap = outcome.Gap, Epoch = outcome.Epoch };
    }

    /// <summary><c>{"topic","clientId"}</c> → <c>{"topic","status"}</c>; no event of the topic arrives after the result.</summary>
    public async Task<UnsubscribeResult> Unsubscribe(HubJson request)
    {
        var r = HubRequestParser.Parse(request, HubRequestParser.Kind.Unsubscribe, broker.Options.History.Capacity);
        HubSession.Of(Context).Limits.Control();
        Authorize(PubSubOperation.Subscribe, r.Topic);
        var barrier = _barrier = new HubBarrier();
        await broker.UnsubscribeAsync(HubSession.Of(Context).Connection, r.Topic, OutboundFrame.ForReply(barrier), Context.ConnectionAborted);

        // Events of the topic queued before the unsubscribe must be written before the result is.
        await barrier.Reached.WaitAsync(Context.ConnectionAborted);
        return new UnsubscribeResult { Topic = r.Topic };
    }

    /// <summary>
    /// <c>{"topic","id"?,"payload","clientId"?,"idempotencyKey"?}</c> → <c>{"topic","status","id","seq"}</c>; a key the topic has
    /// seen within the window publishes nothing and returns the first publish's id and seq with <c>"duplicate": true</c>.
    /// </summary>
    public async Task<PublishResult> Publish(HubJson request)
    {
        var r = HubRequestParser.Parse(request, HubRequestParser.Kind.Publish, broker.Options.History.Capacity);
        HubSession.Of(Context).Limits.Publish();
        Authorize(PubSubOperation.Publish, r.Topic);
        var receipt = await broker.PublishAsync(r.Topic, new MessageDraft(r.Id, r.Payload, r.ClientId) { User = Context.User, IdempotencyKey = r.IdempotencyKey }, Context.ConnectionAborted);
        return receipt.Duplicate
            ? new DuplicatePublishResult { Topic = receipt.Topic, Id = receipt.Id, Seq = receipt.Seq }
            : new PublishResult { Topic = receipt.Topic, Id = receipt.Id, Seq = receipt.Seq };
    }

    /// <summary>→ <c>{"ts"}</c>.</summary>
    public PingResult Ping()
    {
        HubSession.Of(Context).Limits.Control();
        return new() { Ts = Timestamps.Format(time.GetUtcNow()) };
    }

    /// <summary>→ <c>[{"name","subscribers","createdAt"}]</c>, by name: the topics the caller's key may see.</summary>
    public async Task<List<TopicItem>> ListTopics()
    {
        HubSession.Of(Context).Limits.Control();
        var topics = keys.Visible(Context.User, await broker.ListCachedTopicsAsync(Context.ConnectionAborted), t => t.Name);
        return topics.Select(t => new TopicItem { Name = t.Name, Subscribers = t.Subscribers, CreatedAt = Timestamps.Format(t.CreatedAt) }).ToList();
    }

    /// <summary>
    /// <c>{"topic","lastN"|"sinceSeq","clientId"?}</c> → a server-to-client stream of events (replay, then live) until
    /// the client cancels or the topic is deleted. Validation errors fail the invocation before the stream starts.
    /// </summary>
    public IAsyncEnumerable<HubEvent> Stream(HubJson request, CancellationToken cancellationToken)
    {
        var r = HubRequestParser.Parse(request, HubRequestParser.Kind.Stream, broker.Options.History.Capacity);
        var session = HubSession.Of(Context);
        session.Limits.Control();
        Authorize(PubSubOperation.Subscribe, r.Topic);

        // Registered before the stream starts, so a refusal (too many on this connection) fails the invocation itself.
        return StreamAsync(r, broker.ConnectStream(session.Connection), session, r.ClientId ?? Context.ConnectionId, cancellationToken);
    }

    protected override void Dispose(bool disposing)
    {
        // SignalR releases the hub after it has written the invocation's completion: the send loop may now
        // write what this invocation queued behind its barrier.
        _barrier?.Release();
        base.Dispose(disposing);
    }

    /// <summary>
    /// A stream is a subscription of its own, on a broker connection within the hub connection's
    /// (<see cref="PubSubBroker.ConnectStream"/>): the same bounded queue and overflow policy as any subscriber, able to
    /// coexist with a <c>Subscribe</c> to the same topic, counted against the connection's subscription limit, listed
    /// and closed with it. Its items are written by SignalR per stream (the invocation id is part of each message), so
    /// they are serialized per subscriber; the event object itself is the one cached for <c>Event</c> calls.
    /// </summary>
    private async IAsyncEnumerable<HubEvent> StreamAsync(HubRequest r, BrokerConnection connection, HubSession session, string clientId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var cancel = cancellationToken.Register(() => broker.Disconnect(connection));
        try
        {
            await SubscribeStreamAsync(connection, r, clientId, cancellationToken);
            await foreach (var item in HubStreamItems.ReadAsync(connection, session.Connection, broker.Options.Queue.Capacity))
            {
                yield return item;
            }
        }
        finally
        {
            broker.Disconnect(connection);
        }
    }

    private async Task SubscribeStreamAsync(BrokerConnection connection, HubRequest r, string clientId, CancellationToken cancellationToken)
    {
        try
        {
            await broker.SubscribeAsync(connection, r.Topic, clientId, r.LastN ?? 0, r.SinceSeq, r.Epoch, cancellationToken: cancellationToken);
        }
        catch (PubSubException ex)
        {
            throw PubSubHubFilter.ToHubException(ex); // stream errors do not pass through hub filters
        }
    }

    private void Authorize(PubSubOperation operation, string topic) => keys.Demand(Context.User, operation, topic);
}
