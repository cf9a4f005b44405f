using Microsoft.AspNetCore.Mvc;
using PubSub.Core.Access;
using PubSub.Core.Cluster;

namespace PubSub.Server.Api;

/// <summary>
/// The cluster seen from any node (PROTOCOL.md §8): its nodes, every node's connections a page at a time, and closing a
/// connection wherever it lives, each within the caller's scope (§4). With the in-memory engine the cluster is this node.
/// </summary>
[ApiController]
[Produces("application/json")]
[Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(Hosting.RateLimiting.ControlPolicy)] // each asks the other nodes
[ProducesResponseType<ErrorResponse>(StatusCodes.Status429TooManyRequests)]
public sealed class ClusterController(ClusterNode cluster, IPubSubAuthorizer keys) : ControllerBase
{
    private const int MaxReasonLength = 200;

    /// <summary>
    /// Every live node: id, start, last report, connections and subscriptions (a key with <c>read</c> on some topic);
    /// the nodes' addresses only for a key that reads every topic.
    /// </summary>
    [HttpGet("api/nodes")]
    [HttpGet("nodes")]
    [ProducesResponseType<NodesResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status403Forbidden)]
    [EndpointSummary("List nodes")]
    public async Task<IActionResult> Nodes(CancellationToken cancellationToken)
    {
        if (!keys.IsAllowed(User, PubSubOperation.Read, null))
        {
            return ApiErrors.Forbidden();
        }

        var addresses = keys.ReadsEverything(User);
        var nodes = (await cluster.ListNodesAsync(cancellationToken)).Select(n => new NodeBody(n.Id, addresses ? n.Address : null, n.StartedAt, n.LastSeen, n.Connections, n.Subscriptions, n.Id == cluster.Id)).ToList();
        return Ok(new NodesResponse(nodes, cluster.Id));
    }

    /// <summary>
    /// A page of every node's connections, with transport, client address, user agent, topics and counters (a key with
    /// <c>read</c> on some topic). A scoped key sees only connections on its topics, and of each only those topics.
    /// <c>limit</c>: 1 to 1,000, default 100; <c>cursor</c>: the previous page's <c>next_cursor</c>.
    /// </summary>
    [HttpGet("api/connections")]
    [HttpGet("connections")]
    [ProducesResponseType<ConnectionsResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status403Forbidden)]
    [EndpointSummary("List connections")]
    public async Task<IActionResult> Connections([FromQuery] string? limit, [FromQuery] string? cursor, CancellationToken cancellationToken)
    {
        var take = ClusterNode.DefaultPageSize;
        if (limit is not null && (!int.TryParse(limit, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out take) || take is < 1 or > ClusterNode.MaxPageSize))
        {
            return ApiErrors.Result(400, $"limit must be an integer from 1 to {ClusterNode.MaxPageSize}", "BAD_REQUEST");
        }

        if (!keys.IsAllowed(User, PubSubOperation.Read, null))
        {
            return ApiErrors.Forbidden();
        }

        var page = await cluster.ListConnectionsAsync(User, take, cursor, cancellationToken);
        var connections = page.Items.Select(c => new ConnectionBody(
            c.Id, c.Node, c.Transport, c.ClientIp, c.UserAgent, c.ConnectedAt, [.. c.Topics], c.Delivered, c.Dropped, c.Queued)).ToList();
        return Ok(new ConnectionsResponse(connections, [.. page.Unanswered], page.NextCursor));
    }

    /// <summary>
    /// Closes a connection on whichever node holds it (operation <c>manage</c> on every topic it is subscribed to at that
    /// moment, decided on its node; on every topic for a connection on none): the client gets <c>info disconnected</c>
    /// with <c>reason</c>, then the close. 404 when no node has it.
    /// </summary>
    [HttpDelete("api/connections/{id}")]
    [HttpDelete("connections/{id}")]
    [ProducesResponseType<DisconnectResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status403Forbidden)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status404NotFound)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status503ServiceUnavailable)]
    [EndpointSummary("Close a connection")]
    public async Task<IActionResult> Disconnect(string id, [FromQuery] string? reason, CancellationToken cancellationToken)
    {
        if (reason is { Length: > MaxReasonLength })
        {
            return ApiErrors.Result(400, $"reason must be at most {MaxReasonLength} characters", "BAD_REQUEST");
        }

        if (!keys.IsAllowed(User, PubSubOperation.Manage, null))
        {
            return ApiErrors.Forbidden();
        }

        var why = string.IsNullOrWhiteSpace(reason) ? $"closed by an operator through node {cluster.Id}" : reason;

        // A refusal (403 FORBIDDEN) and a node that cannot be asked (503 UNAVAILABLE) are PubSubExceptions: PubSubExceptionFilter.
        return await cluster.DisconnectAsync(id, why, User, cancellationToken)
            ? Ok(new DisconnectResponse("disconnected", id))
            : ApiErrors.Result(StatusCodes.Status404NotFound, "Connection not found", "NOT_FOUND");
    }
}
