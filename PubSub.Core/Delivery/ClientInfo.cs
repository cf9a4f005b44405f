namespace PubSub.Core.Delivery;

/// <summary>Who is on the other end of a connection, for listings and stats.</summary>
/// <param name="Transport">"ws", "signalr", "dashboard", …</param>
/// <param name="ClientIp">The remote address, when known.</param>
/// <param name="UserAgent">The client's user agent, when known.</param>
public sealed record ClientInfo(string Transport, string? ClientIp = null, string? UserAgent = null)
{
    /// <summary>The transport's topic rules for this connection's subscribes (default: the broker's options).</summary>
    public TransportRules Rules { get; init; }

    /// <summary>The caller's key: what a topic created on first use is checked against (<c>manage</c>) and counted to.</summary>
    public System.Security.Claims.ClaimsPrincipal? User { get; init; }
}
