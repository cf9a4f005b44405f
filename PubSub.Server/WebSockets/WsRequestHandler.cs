using System.Security.Claims;
using PubSub.Core;
using PubSub.Core.Access;
using PubSub.Core.Delivery;
using PubSub.Server.Hosting;

namespace PubSub.Server.WebSockets;

/// <summary>
/// A <c>/ws</c> connection's requests: each parsed, checked (size of its id, the key's access, a rate-limit token of its
/// kind) and turned into a broker call, its reply queued on the connection in request order: a publish still waiting
/// for its store answer (<see cref="WsPublishPipeline"/>) is answered before any later request. The session's receive
/// loop hands it whole messages, one at a time.
/// </summary>
internal sealed partial class WsRequestHandler(
    BrokerConnection connection,
    PubSubBroker broker,
    IPubSubAuthorizer keys,
    IWsDialect dialect,
    ConnectionLimits limits,
    ClaimsPrincipal user,
    TimeProvider time,
    ILogger logger)
{
    private WsPublishPipeline? _pipeline;

    /// <summary>Publishes sent to the store and not answered yet, replied to in request order.</summary>
    private WsPublishPipeline _publishes => _pipeline ??= new WsPublishPipeline(broker.Options, Reply, ErrorReply, dialect, time);

    /// <summary>Queues a reply or an error frame for the send loop.</summary>
    public void Reply(byte[] frame) => connection.TrySend(OutboundFrame.ForReply(frame));

    public async Task HandleAsync(byte[] buffer, int count)
    {
        if (!WsRequestParser.TryParse(buffer.AsSpan(0, count), broker.Options.History.Capacity, out var request, out var error))
        {
            await DrainPublishesAsync();
            Reply(dialect.Error(IsTooLong(error.RequestId) ? null : error.RequestId, "BAD_REQUEST", error.Message, time.GetUtcNow()));
            return;
        }

        var rid = request!.RequestId;
        if (IsTooLong(rid))
        {
            // Not echoed: keeping it off the wire is what the limit is for.
            var max = broker.Options.Limits.MaxIdLength;
            Reply(dialect.Error(null, PubSubException.LimitExceeded("request_id too long", "PubSub:Limits:MaxIdLength", max), time.GetUtcNow()));
            return;
        }

        try
        {
            if (request.Type != WsRequestType.Publish)
            {
                // Replies go out in request order: publishes still waiting for their store answer first.
                await DrainPublishesAsync();
            }

            // Every request takes a token of its kind, from this connection's bucket and its key's (RateLimiting).
            if (request.Type == WsRequestType.Publish)
            {
                limits.Publish();
            }
            else
            {
                limits.Control();
            }

            switch (request.Type)
            {
                case WsRequestType.Ping:
                    Reply(dialect.Pong(rid, time.GetUtcNow()));
                    break;

                case WsRequestType.Subscribe:
                    Authorize(PubSubOperation.Subscribe, request.Topic!);
                    await broker.SubscribeAsync(
                        connection,
                        request.Topic,
                        request.ClientId!,
                        request.LastN ?? 0,
                        request.SinceSeq,
                        request.Epoch,
                        outcome => OutboundFrame.ForReply(dialect.Subscribed(request, outcome, time.GetUtcNow())));
                    break;

                case WsRequestType.Unsubscribe:
                    Authorize(PubSubOperation.Subscribe, request.Topic!);
                    await broker.UnsubscribeAsync(connection, request.Topic, OutboundFrame.ForReply(dialect.Unsubscribed(request, time.GetUtcNow())));
                    break;

                case WsRequestType.Publish:
                    Authorize(PubSubOperation.Publish, request.Topic!);
                    if (dialect.RepliesBeforeOwnEvent)
                    {
                        await PublishReplyFirstAsync(request);
                        break;
                    }

                    var publishing = broker.PublishAsync(request.Topic, Draft(request));
                    if (publishing.IsCompleted || !_publishes.CanPipeline(dialect.CreateTopics))
                    {
                        await DrainPublishesAsync();
                        Reply(dialect.Published(request, await publishing, time.GetUtcNow()));
                    }
                    else
                    {
                        // The store has the request; read the next one while it answers (see WsPublishPipeline).
                        await _publishes.AddAsync(publishing, request);
                    }

                    break;
            }
        }
        catch (Exception ex) when (!WsSession.IsDisconnect(ex))
        {
            Reply(ErrorReply(rid, ex));
        }
    }

    // The reply's place is taken in the queue before the publish can queue the message's own event; the send loop
    // waits there for the outcome (never a fault: a failure is the error reply).
    private async Task PublishReplyFirstAsync(WsRequest request)
    {
        await DrainPublishesAsync();
        var reply = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.TrySend(OutboundFrame.ForReply(reply.Task));
        try
        {
            var receipt = await broker.PublishAsync(request.Topic, Draft(request));
            reply.SetResult(dialect.Published(request, receipt, time.GetUtcNow()));
        }
        catch (Exception ex) when (!WsSession.IsDisconnect(ex))
        {
            reply.SetResult(ErrorReply(request.RequestId, ex));
        }
        finally
        {
            if (!reply.Task.IsCompleted)
            {
                // The connection went while the store answered: the send loop must not wait for ever.
                reply.TrySetResult([]);
            }
        }
    }

    // Replies go out in request order: publishes still waiting for their store answer first. A connection that never
    // pipelined a publish (a subscriber) never makes the pipeline.
    private Task DrainPublishesAsync() => _pipeline?.DrainAsync() ?? Task.CompletedTask;

    private MessageDraft Draft(WsRequest request) =>
        new(request.MessageId, request.Payload, request.ClientId) { CreateTopics = dialect.CreateTopics, AnyMessageId = dialect.AnyMessageId, User = user, IdempotencyKey = request.IdempotencyKey };

    /// <summary>The reply to a request that failed: its error code, or INTERNAL (logged) for anything unexpected.</summary>
    private byte[] ErrorReply(byte[]? rid, Exception ex)
    {
        if (ex is PubSubException refused)
        {
            return dialect.Error(rid, refused, time.GetUtcNow());
        }

        Log.RequestFailed(logger, ex, connection.Id);
        return dialect.Error(rid, "INTERNAL", "internal error; the request was not carried out", time.GetUtcNow());
    }

    // The request_id as sent (raw JSON, a string's quotes included) against PubSub:Limits:MaxIdLength characters.
    private bool IsTooLong(byte[]? requestId) =>
        requestId is not null && requestId.Length > broker.Options.Limits.MaxIdLength + 2
        && System.Text.Encoding.UTF8.GetCharCount(requestId) - 2 > broker.Options.Limits.MaxIdLength;

    private void Authorize(PubSubOperation operation, string topic) => keys.Demand(user, operation, topic);

    private static partial class Log
    {
        [LoggerMessage(103, LogLevel.Error, "Request on connection {ConnectionId} failed")]
        public static partial void RequestFailed(ILogger logger, Exception exception, string connectionId);
    }
}
