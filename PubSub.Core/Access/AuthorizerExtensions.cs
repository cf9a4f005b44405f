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
