using System.Security.Claims;

namespace PubSub.Core.Access;

/// <summary>
/// The one place that decides "may this caller do this operation on this topic" for every door: REST, <c>/ws</c>,
/// the hub and the dashboard (PROTOCOL.md §4). A door never has rules or shortcuts of its own; it asks here.
/// With auth off every check passes and every topic is visible.
/// </summary>
public interface IPubSubAuthorizer
{
    /// <summary>Whether auth is on.</summary>
    bool Enabled { get; }

    /// <summary>The configured key whose secret is <paramref name="presented"/>; null when none is.</summary>
    AccessKey? Authenticate(string presented);

    /// <summary>Whether <paramref name="user"/> carries a key that is still configured (false for anonymous ones when auth is on).</summary>
    bool IsKnown(ClaimsPrincipal? user);

    /// <summary>
    /// Whether <paramref name="user"/> may do <paramref name="operation"/> on <paramref name="topic"/>; with a null
    /// topic, whether the operation is allowed on some topic at all (for showing or hiding a control).
    /// </summary>
    bool IsAllowed(ClaimsPrincipal? user, PubSubOperation operation, string? topic);

    /// <summary>Whether <paramref name="topic"/> is in <paramref name="user"/>'s topic scope: what lists and stats show it.</summary>
    bool CanSee(ClaimsPrincipal? user, string topic);
}
