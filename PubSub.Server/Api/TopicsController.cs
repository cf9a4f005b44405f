using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using PubSub.Core;
using PubSub.Core.Access;
using PubSub.Core.Cluster;
using PubSub.Server.Hosting;

namespace PubSub.Server.Api;

/// <summary>Topic management and HTTP publish (PROTOCOL.md §6), at the seed's paths and the assignment's aliases.</summary>
[ApiController]
[Produces("application/json")]
public sealed class TopicsController(PubSubBroker broker, ClusterNode cluster, IPubSubAuthorizer keys, IOptions<PubSubOptions> options) : ControllerBase
{
    private const int MaxPageSize = 100;

    /// <summary>Lists the topics the caller's key may see (its topic scope), ordered by name: all of them, or a page with <c>limit</c> and <c>offset</c>.</summary>
    [HttpGet("api/topics")]
    [HttpGet("topics")]
    [ProducesResponseType<TopicListResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status400BadRequest)]
    [EndpointSummary("List topics")]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status429TooManyRequests)]
    [Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(RateLimiting.ReadPolicy)]
    public async Task<IActionResult> List([FromQuery] string? limit, [FromQuery] string? offset, CancellationToken cancellationToken)
    {
        // Without limit and offset the answer is the seed's: every topic. With either, a page of the list (ordered by
        // name) and its position, so a broker with 100,000 topics need not answer with one 9 MB body.
        if (!TryParseQuery(limit, int.MaxValue, out var take) || take < 1)
        {
            return ApiErrors.Result(400, "limit must be a positive integer", "BAD_REQUEST");
        }

        if (!TryParseQuery(offset, 0, out var skip) || skip < 0)
        {
            return ApiErrors.Result(400, "offset must be a non-negative integer", "BAD_REQUEST");
        }

        // The cached list (at most a second old, this node's own changes at once): no read of every topic per request.
        var topics = keys.Visible(User, await broker.ListCachedTopicsAsync(cancellationToken), t => t.Name);
        var items = topics.Skip(skip).Take(take).Select(t => new TopicListItem(t.Name, t.Subscribers, t.CreatedAt, t.LastSeq)).ToList();
        var paged = limit is not null || offset is not null;
        return Ok(paged ? new TopicListResponse(items, topics.Count, limit is null ? null : take, skip) : new TopicListResponse(items));
    }

    /// <summary>Creates a topic, with optional metadata (operation <c>manage</c>).</summary>
    [HttpPost("api/topics/create")]
    [HttpPost("topics")]
    [RequestBody(typeof(CreateTopicRequest))]
    [ProducesResponseType<TopicStatusResponse>(StatusCodes.Status201Created)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status403Forbidden)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status409Conflict)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status413PayloadTooLarge)]
    [EndpointSummary("Create a topic")]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status429TooManyRequests)]
    [Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(RateLimiting.ControlPolicy)]
    public async Task<IActionResult> Create()
    {
        // No bound parameters: binding would make MVC read a form-encoded body (curl -d) before we can.
        var cancellationToken = HttpContext.RequestAborted;
        var (body, error, status) = await JsonBody.ReadAsync(Request, options.Value.Limits.MaxMessageBytes, cancellationToken);
        if (body is null)
        {
            return ApiErrors.Result(status, error!, "BAD_REQUEST");
        }

        using (body)
        {
            var root = body.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return ApiErrors.Result(400, "body must be a JSON object like {\"name\":\"orders\"}", "BAD_REQUEST");
            }

            if (!root.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String)
            {
                return ApiErrors.Result(400, "name is required and must be a string", "BAD_REQUEST");
            }

            var name = nameElement.GetString()!;
            if (string.IsNullOrWhiteSpace(name))
            {
                return ApiErrors.Result(400, "name must not be blank", "BAD_REQUEST");
            }

            // The broker checks manage on the name (as for a create on first use) and counts the topic to the key.
            JsonElement? metadata = root.TryGetProperty("metadata", out var m) ? m : null;
            try
            {
                var created = await broker.CreateTopicAsync(name, metadata, User, cancellationToken);
                return StatusCode(StatusCodes.Status201Created, new TopicStatusResponse("created", created.Name));
            }
            catch (PubSubException ex)
            {
                return ApiErrors.FromException(ex);
            }
        }
    }

    /// <summary>A topic's details: counts, metadata, last publish and seq.</summary>
    [HttpGet("api/topics/{name}")]
    [HttpGet("topics/{name}")]
    [ProducesResponseType<TopicDetailResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status404NotFound)]
    [EndpointSummary("Get a topic")]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status429TooManyRequests)]
    [Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(RateLimiting.ReadPolicy)]
    public async Task<IActionResult> Get(string name, CancellationToken cancellationToken)
    {
        // Access before existence, here and below: a key must not learn which topics outside its scope exist.
        if (!keys.IsAllowed(User, PubSubOperation.Read, name))
        {
            return ApiErrors.Forbidden();
        }

        var topic = await broker.GetTopicAsync(name, cancellationToken);
        if (topic is null)
        {
            return TopicNotFound();
        }

        var createdBy = keys.Enabled && keys.IsAllowed(User, PubSubOperation.Manage, name) ? topic.CreatedBy : null;
        return Ok(new TopicDetailResponse(topic.Name, topic.CreatedAt, topic.LastPublishedAt, topic.LastSeq, topic.Subscribers, true, topic.Metadata, topic.Subscribers, topic.LastSeq, createdBy));
    }

    /// <summary>Deletes a topic (operation <c>manage</c>); its subscribers get <c>topic_deleted</c>.</summary>
    [HttpDelete("api/topics/{name}")]
    [HttpDelete("api/topics/{name}/delete")]
    [HttpDelete("topics/{name}")]
    [ProducesResponseType<TopicStatusResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status403Forbidden)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status404NotFound)]
    [EndpointSummary("Delete a topic")]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status429TooManyRequests)]
    [Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(RateLimiting.ControlPolicy)]
    public async Task<IActionResult> Delete(string name, CancellationToken cancellationToken)
    {
        if (!keys.IsAllowed(User, PubSubOperation.Manage, name))
        {
            return ApiErrors.Forbidden();
        }

        return await broker.DeleteTopicAsync(name, cancellationToken) ? Ok(new TopicStatusResponse("deleted", name)) : TopicNotFound();
    }

    /// <summary>Who is subscribed to a topic on every node, over which transport, from where.</summary>
    [HttpGet("api/topics/{name}/subscribers")]
    [HttpGet("topics/{name}/subscribers")]
    [ProducesResponseType<SubscribersResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status404NotFound)]
    [EndpointSummary("List a topic's subscribers")]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status429TooManyRequests)]
    [Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(RateLimiting.ControlPolicy)] // asks every node
    public async Task<IActionResult> Subscribers(string name, CancellationToken cancellationToken)
    {
        if (!keys.IsAllowed(User, PubSubOperation.Read, name))
        {
            return ApiErrors.Forbidden();
        }

        if (await broker.GetTopicAsync(name, cancellationToken) is null)
        {
            return TopicNotFound();
        }

        var gathered = await cluster.ListSubscribersAsync(name, cancellationToken);
        var subscribers = gathered.Items
            .Select(s => new SubscriberBody(s.ClientId, s.ConnectionId, s.Transport, s.SubscribedAt, s.ClientIp, s.UserAgent, s.Node))
            .ToList();
        return Ok(new SubscribersResponse(name, subscribers.Count, subscribers));
    }

    /// <summary>A page of the topic's retained history, newest first (operation <c>subscribe</c>).</summary>
    [HttpGet("api/topics/{name}/messages")]
    [HttpGet("topics/{name}/messages")]
    [ProducesResponseType<MessagesResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status403Forbidden)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status404NotFound)]
    [EndpointSummary("Read a topic's history")]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status429TooManyRequests)]
    [Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(RateLimiting.ReadPolicy)]
    public async Task<IActionResult> Messages(string name, [FromQuery] string? limit, [FromQuery] string? offset, CancellationToken cancellationToken)
    {
        if (!TryParseQuery(limit, 50, out var take) || take < 1)
        {
            return ApiErrors.Result(400, "limit must be a positive integer", "BAD_REQUEST");
        }

        // A larger limit is capped, as the seed did (PROTOCOL.md §6): its clients send limit=1000 and expect 100.
        take = Math.Min(take, MaxPageSize);

        if (!TryParseQuery(offset, 0, out var skip) || skip < 0)
        {
            return ApiErrors.Result(400, "offset must be a non-negative integer", "BAD_REQUEST");
        }

        if (!keys.IsAllowed(User, PubSubOperation.Read, name))
        {
            return ApiErrors.Forbidden();
        }

        var page = await broker.ReadMessagesAsync(name, skip, take, cancellationToken);
        if (page is null)
        {
            return TopicNotFound();
        }

        var messages = page.Messages.Select(m => new MessageBody(m.Id, m.Seq, new RawJson(m.Payload), m.PublisherId, m.Timestamp)).ToList();
        return Ok(new MessagesResponse(name, messages, page.TotalCount, take, skip));
    }

    /// <summary>The request header that carries a publish's idempotency key (PROTOCOL.md §6).</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>
    /// Publishes a message over HTTP (operation <c>publish</c>); the answer carries its id and seq. With an
    /// <c>Idempotency-Key</c> header this topic has seen within the window, nothing is published: 200 with the first
    /// publish's id and seq and <c>"duplicate": true</c>.
    /// </summary>
    [HttpPost("api/topics/{name}/messages")]
    [HttpPost("topics/{name}/messages")]
    [RequestBody(typeof(PublishRequest))]
    [ProducesResponseType<PublishResponse>(StatusCodes.Status201Created)]
    [ProducesResponseType<PublishResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status403Forbidden)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status404NotFound)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status413PayloadTooLarge)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status429TooManyRequests)]
    [Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(RateLimiting.PublishPolicy)]
    [EndpointSummary("Publish a message")]
    public async Task<IActionResult> Publish()
    {
        var cancellationToken = HttpContext.RequestAborted;
        var name = (string)RouteData.Values["name"]!;
        var (body, error, status) = await JsonBody.ReadAsync(Request, options.Value.Limits.MaxMessageBytes, cancellationToken);
        if (body is null)
        {
            return ApiErrors.Result(status, error!, "BAD_REQUEST");
        }

        using (body)
        {
            var root = body.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("payload", out var payload))
            {
                return ApiErrors.Result(400, "body must be a JSON object with a payload: {\"payload\": …}", "BAD_REQUEST");
            }

            string? id = null;
            if (root.TryGetProperty("id", out var idElement) && idElement.ValueKind != JsonValueKind.Null)
            {
                if (idElement.ValueKind != JsonValueKind.String)
                {
                    return ApiErrors.Result(400, "id must be a UUID string", "BAD_REQUEST");
                }

                id = idElement.GetString();
            }

            string? publisher = root.TryGetProperty("client_id", out var c) && c.ValueKind == JsonValueKind.String ? c.GetString() : null;
            var sent = Request.Headers[IdempotencyKeyHeader];
            string? key = sent.Count == 0 ? null : sent[0] ?? "";
            if (sent.Count > 1)
            {
                return ApiErrors.Result(400, $"{IdempotencyKeyHeader} must be sent once", "BAD_REQUEST");
            }

            if (!PubSubBroker.IsIdempotencyKey(key))
            {
                return ApiErrors.Result(400, PubSubBroker.IdempotencyKeyError(key!, IdempotencyKeyHeader), "BAD_REQUEST");
            }

            if (!keys.IsAllowed(User, PubSubOperation.Publish, name))
            {
                return ApiErrors.Forbidden();
            }

            try
            {
                var receipt = await broker.PublishAsync(name, new MessageDraft(id, payload.GetRawText().AsUtf8(), publisher ?? "rest") { User = User, IdempotencyKey = key }, cancellationToken);
                return receipt.Duplicate
                    ? Ok(new PublishResponse("published", name, receipt.Id, receipt.Seq, Duplicate: true))
                    : StatusCode(StatusCodes.Status201Created, new PublishResponse("published", name, receipt.Id, receipt.Seq));
            }
            catch (PubSubException ex)
            {
                return ApiErrors.FromException(ex);
            }
        }
    }

    private static bool TryParseQuery(string? value, int fallback, out int result)
    {
        if (value is null)
        {
            result = fallback;
            return true;
        }

        return int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out result);
    }

    private static ObjectResult TopicNotFound() => ApiErrors.Result(StatusCodes.Status404NotFound, "Topic not found", "TOPIC_NOT_FOUND");

}
