using System.Security.Claims;

namespace PubSub.Core.Access;

/// <summary>The checks every door makes the same way.</summary>
public static class AuthorizerExtensions
{
    /// <summary>Throws <see cref="PubSubErrorCode.Forbidden"/> unless <paramref name="user"/> may do <paramref name="operation"/> on <paramref name="topic"/>.</summary>
    public static void Demand(this IPubSubAuthorizer authorizer, ClaimsPrincipal? user, PubSubOperation operation, string topic)
    {
        if (!authorizer.IsAllowed(user, operation, topic))
        {
            throw new PubSubException(PubSubErrorCode.Forbidden, $"this API key may not {Verb(operation)} on topic '{topic}'");
        }
    }

    /// <summary>
    /// Whether <paramref name="user"/> may close a connection subscribed to <paramref name="topics"/> (PROTOCOL.md §8):
    /// <c>manage</c> on some topic, and with auth on, on every one of those topics.
    /// </summary>
    public static bool MayClose(this IPubSubAuthorizer authorizer, ClaimsPrincipal? user, IEnumerable<string> topics) =>
        authorizer.IsAllowed(user, PubSubOperation.Manage, null)
        && (!authorizer.Enabled || topics.All(t => authorizer.IsAllowed(user, PubSubOperation.Manage, t)));

    /// <summary>The items whose topic <paramref name="user"/> may see, in their order.</summary>
    public static IReadOnlyList<T> Visible<T>(this IPubSubAuthorizer authorizer, ClaimsPrincipal? user, IReadOnlyList<T> items, Func<T, string> topicOf) =>
        authorizer.Enabled ? items.Where(item => authorizer.CanSee(user, topicOf(item))).ToList() : items;

    /// <summary>The operation as the wire and the configuration spell it: <c>publish</c>, <c>subscribe</c>, <c>read</c>, <c>manage</c>.</summary>
    public static string Verb(PubSubOperation operation) => operation switch
    {
        PubSubOperation.Publish => "publish",
        PubSubOperation.Subscribe => "subscribe",
        PubSubOperation.Read => "read",
        PubSubOperation.Manage => "manage",
        _ => throw new ArgumentOutOfRangeException(nameof(operation)),
    };
}
