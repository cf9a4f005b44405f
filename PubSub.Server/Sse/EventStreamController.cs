using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using PubSub.Core;
using PubSub.Core.Access;
using PubSub.Core.Delivery;
using PubSub.Server.Api;
using PubSub.Server.Hosting;

namespace PubSub.Server.Sse;

/// <summary>
/// Server-Sent Events (PROTOCOL.md §10): a read-only subscribe over plain HTTP, for <c>EventSource</c>, <c>curl -N</c> and
/// clients without WebSocket. A transport adapter like <c>/ws</c> and the hub: one broker connection per stream, its
/// subscription made by the broker, its queue drained by <see cref="SseSession"/>. Everything that can be refused is
/// refused before the stream starts, with the REST error of the case.
/// </summary>
[ApiController]
public sealed class EventStreamController(
    PubSubBroker broker,
    IPubSubAuthorizer keys,
    IHostApplicationLifetime lifetime,
    IOptions<ShutdownOptions> shutdown,
    TimeProvider time,
    ILogger<EventStreamController> logger) : ControllerBase
{
    /// <summary>The media type of the stream.</summary>
    public const string ContentType = "text/event-stream";

    /// <summary>
    /// Streams a topic's messages as <c>text/event-stream</c> (needs <c>subscribe</c>): first <c>retry: 2000</c>, then
    /// <c>event: info</c> with the subscribe ack <c>{"msg":"subscribed","topic","seq","epoch","gap"}</c>, the replay, and
    /// live messages as <c>id: &lt;epoch&gt;:&lt;seq&gt;</c> + <c>event: message</c> + <c>data: {"topic","id","seq","payload","ts"}</c>.
    /// Notices (<c>gap</c>, <c>reset</c>, <c>slow_consumer</c>, <c>topic_deleted</c>, <c>server_shutdown</c>, <c>disconnected</c>)
    /// are <c>event: info</c>; the last three end the stream. Heartbeats are <c>: ping</c> comment lines. The
    /// <c>Last-Event-ID</c> header (sent by <c>EventSource</c> when it reconnects) wins over the query and resumes after
    /// that position. A browser's <c>Origin</c> must be the server's own or allowed (PubSub:AllowedOrigins).
    /// </summary>
    /// <param name="name">The topic.</param>
    /// <param name="last_n">Replay the newest N retained messages first (capped at the history capacity).</param>
    /// <param name="since_seq">Replay every retained message after this seq first (a resume); not with last_n.</param>
    /// <param name="epoch">The epoch since_seq belongs to: another epoch replays everything retained, with gap.</param>
    /// <param name="client_id">The name this subscriber is listed under (default: its connection id).</param>
    /// <param name="lastEventId">The id of the last message seen, <c>&lt;epoch&gt;:&lt;seq&gt;</c>; wins over the query.</param>
    [HttpGet("api/topics/{name}/events")]
    [HttpGet("topics/{name}/events")]
    [EndpointSummary("Stream a topic (SSE)")]
    [ProducesResponseType<string>(StatusCodes.Status200OK, ContentType)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status400BadRequest, "application/json")]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status403Forbidden, "application/json")]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status404NotFound, "application/json")]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status429TooManyRequests, "application/json")]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status503ServiceUnavailable, "application/json")]
    [Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(RateLimiting.ControlPolicy)]
#pragma warning disable IDE1006, CA1707 // the query's names are the wire's (snake_case), as in the other REST calls
    public async Task<IActionResult> Stream(
        string name,
        [FromQuery] string? last_n,
        [FromQuery] string? since_seq,
        [FromQuery] string? epoch,
        [FromQuery] string? client_id,
        [FromHeader(Name = "Last-Event-ID")] string? lastEventId)
#pragma warning restore IDE1006, CA1707
    {
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            return ApiErrors.Result(StatusCodes.Status503ServiceUnavailable, "server is shutting down", "UNAVAILABLE");
        }

        if (!SseRequest.TryParse(last_n, since_seq, epoch, client_id, lastEventId, broker.Options.History.Capacity, out var request, out var error))
        {
            return ApiErrors.Result(StatusCodes.Status400BadRequest, error!, "BAD_REQUEST");
        }

        if (!PubSubBroker.IsTopicName(name))
        {
            return ApiErrors.Result(StatusCodes.Status400BadRequest, PubSubBroker.TopicNameError(name), "BAD_REQUEST");
        }

        keys.Demand(User, PubSubOperation.Subscribe, name); // 403 through PubSubExceptionFilter
        if (HeadRequests.IsHead(HttpContext))
        {
            // What a GET would answer, without a subscription that nothing would read.
            if (await broker.GetTopicAsync(name, HttpContext.RequestAborted) is null)
            {
                return ApiErrors.Result(StatusCodes.Status404NotFound, "Topic not found", "TOPIC_NOT_FOUND");
            }

            SseSession.StartResponse(HttpContext);
            return new EmptyResult();
        }

        var http = HttpContext;
        var agent = http.Request.Headers.UserAgent.ToString();
        var connection = broker.Connect("sse", http.Connection.RemoteIpAddress?.ToString(), agent.Length > 0 ? agent : null, User);
        try
        {
            // The ack is queued first, then the replay, then live events: the session writes them in that order.
            await broker.SubscribeAsync(
                connection,
                name,
                request!.ClientId ?? connection.Id,
                request.LastN,
                request.SinceSeq,
                request.Epoch,
                outcome => OutboundFrame.ForReply(SseFrames.Subscribed(outcome, time.GetUtcNow())),
                http.RequestAborted);
        }
        catch
        {
            broker.Disconnect(connection);
            throw; // a PubSubException is the REST error of its code (PubSubExceptionFilter); a cancellation, a client gone
        }

        var session = new SseSession(http, connection, broker, shutdown.Value, time, logger);
        await session.RunAsync(lifetime.ApplicationStopping);
        return new EmptyResult();
    }

    /// <summary>
    /// Whether <paramref name="path"/> is an event stream's (<c>/api/topics/{name}/events</c>, <c>/topics/{name}/events</c>,
    /// with or without the slash): the origin rule guards these GETs as it guards upgrades (<see cref="OriginCheck"/>).
    /// </summary>
    internal static bool IsStreamPath(PathString path)
    {
        var value = path.Value.AsSpan().TrimEnd('/');
        if (!value.EndsWith("/events", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var rest = value[..^"/events".Length];
        rest = rest.StartsWith("/api/topics/", StringComparison.OrdinalIgnoreCase) ? rest["/api/topics/".Length..]
            : rest.StartsWith("/topics/", StringComparison.OrdinalIgnoreCase) ? rest["/topics/".Length..]
            : [];
        return rest.Length > 0 && !rest.Contains('/');
    }
}
