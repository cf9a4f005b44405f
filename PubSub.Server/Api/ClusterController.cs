using Microsoft.AspNetCore.Mvc;
using PubSub.Core;
using PubSub.Core.Access;
using PubSub.Core.Cluster;

namespace PubSub.Server.Api;

/// <summary>
/// The cluster seen from any node (PROTOCOL.md §8): its nodes, every node's connections, and closing a connection
/// wherever it lives. With the in-memory engine the cluster is this node alone.
/// </summary>
[ApiController]
[Produces("application/json")]
public sealed class ClusterController(ClusterNode cluster, IPubSubAuthorizer keys) : ControllerBase
{
    private const int MaxReasonLength = 200;

    /// <summary>Every live node: id, address, start, last report, connections and subscriptions (a key with <c>read</c> on some topic).</summary>
    [HttpGet("api/nodes")]
    [HttpGet("nodes")]
    [ProducesResponseType<NodesResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status403Forbidden)]
    [EndpointSummary("List nodes")]
    public async Task<IActionResult> Nodes(CancellationToken cancellationToken)
    {
        if (!keys.IsAllowed(User, PubSubOperation.Read, null))
        {
            return Forbidden();
        }

        var nodes = (await cluster.ListNodesAsync(cancellationToken)).Select(n => new NodeBody(n.Id, n.Address, n.StartedAt, n.LastSeen, n.Connections, n.Subscriptions, n.Id == cluster.Id)).ToList();
        return Ok(new NodesResponse(nodes, cluster.Id));
    }

    /// <summary>
    /// Every node's connections, with transport, client address, user agent, topics and counters (a key with <c>read</c>
    /// on some topic; a scoped key sees only its topics in each connection's list).
    /// </summary>
    [HttpGet("api/connections")]
    [HttpGet("connections")]
    [ProducesResponseType<ConnectionsResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status403Forbidden)]
    [EndpointSummary("List connections")]
    public async Task<IActionResult> Connections(CancellationToken cancellationToken)
    {
        if (!keys.IsAllowed(User, PubSubOperation.Read, null))
        {
            return Forbidden();
        }

        var gathered = await cluster.ListConnectionsAsync(cancellationToken);
        var connections = gathered.Items.Select(c => new ConnectionBody(
            c.Id, c.Node, c.Transport, c.ClientIp, c.UserAgent, c.ConnectedAt, [.. c.Topics.Where(t => keys.CanSee(User, t))], c.Delivered, c.Dropped, c.Queued)).ToList();
        return Ok(new ConnectionsResponse(connections, [.. gathered.Unanswered]));
    }

    /// <summary>
    /// Closes a connection on whichever node holds it (operation <c>manage</c>, on every topic it is subscribed to): the
    /// client gets <c>info disconnected</c> with <c>reason</c>, then the close. 404 when no node has it.
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
            return Forbidden();
        }

        // A key may close only connections within its reach: it must manage every topic the connection is on.
        if (keys.Enabled && await cluster.FindConnectionAsync(id, cancellationToken) is { } connection && !keys.MayClose(User, connection.Topics))
        {
            return Forbidden();
        }

        var why = string.IsNullOrWhiteSpace(reason) ? $"closed by an operator through node {cluster.Id}" : reason;
        return await cluster.DisconnectAsync(id, why, cancellationToken)
            ? Ok(new DisconnectResponse("disconnected", id))
            : ApiErrors.Result(StatusCodes.Status404NotFound, "Connection not found", "NOT_FOUND");
    }

    private static ObjectResult Forbidden() => ApiErrors.Result(StatusCodes.Status403Forbidden, "this API key may not do that", "FORBIDDEN");
}
