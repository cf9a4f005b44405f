using System.Security.Claims;
using PubSub.Core.Cluster;

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
    /// Stands for every topic in a check: a key covers it only when its scope is unlimited (no topic list, or <c>*</c>).
    /// Not a valid topic name, so no real topic is mistaken for it.
    /// </summary>
    public const string EveryTopic = "*";

    /// <summary>
    /// Whether <paramref name="user"/> may close a connection subscribed to <paramref name="topics"/> right now (PROTOCOL.md
    /// §4): <c>manage</c> on every one of them, and on every topic (<see cref="EveryTopic"/>) for a connection on none, so
    /// a scoped key never closes another tenant's publishers, fresh connections or dashboards. The connection's node
    /// decides it, atomically with the close (<see cref="PubSubBroker.CloseConnection"/>).
    /// </summary>
    public static bool MayClose(this IPubSubAuthorizer authorizer, ClaimsPrincipal? user, IReadOnlyCollection<string> topics) =>
        !authorizer.Enabled
        || (topics.Count == 0
            ? authorizer.IsAllowed(user, PubSubOperation.Manage, EveryTopic)
            : topics.All(t => authorizer.IsAllowed(user, PubSubOperation.Manage, t)));

    /// <summary>Whether <paramref name="user"/> reads across every topic: then it sees every connection and the nodes' addresses.</summary>
    public static bool ReadsEverything(this IPubSubAuthorizer authorizer, ClaimsPrincipal? user) =>
        !authorizer.Enabled || authorizer.IsAllowed(user, PubSubOperation.Read, EveryTopic);

    /// <summary>
    /// The connection as <paramref name="user"/> may see it (PROTOCOL.md §4, "Scopes hold for connections"): whole for a
    /// key that reads every topic; for a scoped key only when it is subscribed to one of the key's topics, and then with
    /// only those topics; null when the key may not see it at all (its address and user agent included).
    /// </summary>
    public static ConnectionDetails? Scope(this IPubSubAuthorizer authorizer, ClaimsPrincipal? user, ConnectionDetails connection)
    {
        if (authorizer.ReadsEverything(user))
        {
            return connection;
        }

        var topics = connection.Topics.Where(t => authorizer.IsAllowed(user, PubSubOperation.Read, t)).ToList();
        return topics.Count == 0 ? null : connection with { Topics = topics };
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
