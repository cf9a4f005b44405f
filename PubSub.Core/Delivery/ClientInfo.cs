namespace PubSub.Core.Delivery;

/// <summary>
/// Who is on the other end of a connection (<see cref="PubSubBroker.Connect"/>'s arguments), for listings and stats,
/// and the transport's own rules for its subscribes.
/// A transport's rules exist where its protocol allows more than the broker's options do: the <c>/ws</c> seed dialect
/// (PROTOCOL.md §9) creates topics on first use and replays on a repeated subscribe, while the hub and REST on the same
/// server keep the options. A rule can only widen: one that is off (the default) leaves the option in force.
/// </summary>
/// <param name="Transport">"ws", "signalr", "dashboard", …</param>
/// <param name="ClientIp">The remote address, when known.</param>
/// <param name="UserAgent">The client's user agent, when known.</param>
internal sealed record ClientInfo(string Transport, string? ClientIp = null, string? UserAgent = null)
{
    /// <summary>Create a topic on this connection's first subscribe to it, whatever <see cref="PubSubOptions.AutoCreateTopics"/> says.</summary>
    public bool CreateTopics { get; init; }

    /// <summary>
    /// A repeated subscribe on this connection replays its <c>last_n</c> (or <c>since_seq</c>) again after the ack, as the
    /// seed's server did; the subscription stays one, so live events are still delivered once.
    /// </summary>
    public bool ReplayOnResubscribe { get; init; }

    /// <summary>The caller's key: what a topic created on first use is checked against (<c>manage</c>) and counted to.</summary>
    public System.Security.Claims.ClaimsPrincipal? User { get; init; }
}
