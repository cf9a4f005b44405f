namespace PubSub.Core;

/// <summary>A subscription as listed by <c>GET /api/topics/{name}/subscribers/</c>.</summary>
/// <param name="ClientId">The client id the subscriber gave.</param>
/// <param name="ConnectionId">Its connection (unique across nodes).</param>
/// <param name="Transport">"ws", "signalr", "dashboard", …</param>
/// <param name="SubscribedAt">When it subscribed.</param>
/// <param name="ClientIp">Its remote address, when known.</param>
/// <param name="UserAgent">Its user agent, when known.</param>
/// <param name="Node">The node the subscriber is connected to.</param>
public sealed record SubscriberInfo(string ClientId, string ConnectionId, string Transport, DateTimeOffset SubscribedAt, string? ClientIp, string? UserAgent, string? Node = null);
