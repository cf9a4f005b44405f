using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using PubSub.Core;
using PubSub.Core.Access;

namespace PubSub.Server.Api;

/// <summary>
/// Health and stats (PROTOCOL.md §6). Health stays open when auth is on, for probes, and so gives counts only, never
/// a topic's name. Counts are every node's (PROTOCOL.md §8). Stats list the topics the caller's key may see.
/// </summary>
[ApiController]
[Produces("application/json")]
public sealed class HealthController(PubSubBroker broker, IPubSubAuthorizer keys) : ControllerBase
{
    /// <summary>Liveness and a few totals; open without an API key, for probes.</summary>
    [HttpGet("api/health")]
    [HttpGet("health")]
    [AllowAnonymous]
    [EndpointSummary("Health and totals")]
    public async Task<HealthResponse> Health(CancellationToken cancellationToken)
    {
        // The cached list: a probe every second from every node costs Redis nothing, and answers while Redis is away.
        var topics = await broker.ListCachedTopicsAsync(cancellationToken);
        return new HealthResponse((long)broker.Uptime.TotalSeconds, topics.Count, broker.ClusterSubscriptionCount, broker.ClusterConnectionCount, "ok", broker.NodeId);
    }

    /// <summary>Counts per topic and totals: subscriptions, connections by transport, published, delivered, dropped.</summary>
    [HttpGet("api/stats")]
    [HttpGet("stats")]
    [EndpointSummary("Statistics")]
    [ProducesResponseType<StatsResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status429TooManyRequests)]
    [Microsoft.AspNetCore.RateLimiting.EnableRateLimiting(Hosting.RateLimiting.ReadPolicy)]
    public async Task<StatsResponse> Stats(CancellationToken cancellationToken)
    {
        // The cached list (at most a second old): /stats costs no read of every topic per request.
        var stats = await broker.GetCachedStatsAsync(cancellationToken);
        return new StatsResponse(
            keys.Visible(User, stats.Topics, t => t.Name).ToDictionary(t => t.Name, t => new TopicStatsBody(t.LastSeq, t.Subscribers, t.LastPublishedAt), StringComparer.Ordinal),
            (long)stats.Uptime.TotalSeconds,
            stats.Subscriptions,
            new Dictionary<string, int>(stats.ConnectionsByTransport, StringComparer.Ordinal),
            stats.Published,
            stats.Delivered,
            stats.Dropped);
    }
}
