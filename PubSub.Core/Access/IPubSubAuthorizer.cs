using System.Security.Claims;
using PubSub.Core.Cluster;

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

    /// <summary>
    /// The claim that carries a key's id: what rights are looked up by (unique per key, derived from its secret). A
    /// key's name is for people and logs only, and rights are never looked up by it.
    /// </summary>
    const string KeyIdClaim = "pubsub:key-id";

    /// <summary>
    /// A principal for the configured key whose secret is <paramref name="presented"/>, authenticated by
    /// <paramref name="authenticationType"/> (the door's auth scheme): its id in <see cref="KeyIdClaim"/>, its name as the
    /// identity's name. Null when no key has that secret.
    /// </summary>
    ClaimsPrincipal? Authenticate(string presented, string authenticationType);

    /// <summary>The key id <paramref name="user"/> carries (<see cref="KeyIdClaim"/>), if any.</summary>
    static string? KeyIdOf(ClaimsPrincipal? user) => user?.FindFirst(KeyIdClaim)?.Value;

    /// <summary>Whether <paramref name="user"/> carries a key that is still configured (false for anonymous ones when auth is on).</summary>
    bool IsKnown(ClaimsPrincipal? user);

    /// <summary>
    /// Whether <paramref name="user"/> may do <paramref name="operation"/> on <paramref name="topic"/>; with a null
    /// topic, whether the operation is allowed on some topic at all (for showing or hiding a control).
    /// </summary>
    bool IsAllowed(ClaimsPrincipal? user, PubSubOperation operation, string? topic);

    /// <summary>Whether <paramref name="topic"/> is in <paramref name="user"/>'s topic scope: what lists and stats show it.</summary>
    bool CanSee(ClaimsPrincipal? user, string topic);

    // The checks every door makes the same way, built on the members above. Implementations do not override them.

    /// <summary>Throws <see cref="PubSubErrorCode.Forbidden"/> unless <paramref name="user"/> may do <paramref name="operation"/> on <paramref name="topic"/>.</summary>
    void Demand(ClaimsPrincipal? user, PubSubOperation operation, string topic)
    {
        if (!IsAllowed(user, operation, topic))
        {
            throw new PubSubException(PubSubErrorCode.Forbidden, $"this API key may not {Verb(operation)} on topic '{topic}'");
        }
    }

    /// <summary>
    /// Stands for every topic in a check: a key covers it only when its scope is unlimited (no topic list, or <c>*</c>).
    /// Not a valid topic name, so no real topic is mistaken for it.
    /// </summary>
    const string EveryTopic = "*";

    /// <summary>
    /// Whether <paramref name="user"/> may close a connection subscribed to <paramref name="topics"/> right now (PROTOCOL.md
    /// §4): <c>manage</c> on every one of them, and on every topic (<see cref="EveryTopic"/>) for a connection on none, so
    /// a scoped key never closes another tenant's publishers, fresh connections or dashboards. The connection's node
    /// decides it, atomically with the close (<see cref="PubSubBroker.CloseConnection"/>).
    /// </summary>
    bool MayClose(ClaimsPrincipal? user, IReadOnlyCollection<string> topics) =>
        !Enabled
        || (topics.Count == 0
            ? IsAllowed(user, PubSubOperation.Manage, EveryTopic)
            : topics.All(t => IsAllowed(user, PubSubOperation.Manage, t)));

    /// <summary>Whether <paramref name="user"/> reads across every topic: then it sees every connection and the nodes' addresses.</summary>
    bool ReadsEverything(ClaimsPrincipal? user) =>
        !Enabled || IsAllowed(user, PubSubOperation.Read, EveryTopic);

    /// <summary>
    /// The connection as <paramref name="user"/> may see it (PROTOCOL.md §4, "Scopes hold for connections"): whole for a
    /// key that reads every topic; for a scoped key only when it is subscribed to one of the key's topics, and then with
    /// only those topics; null when the key may not see it at all (its address and user agent included).
    /// </summary>
    ConnectionDetails? Scope(ClaimsPrincipal? user, ConnectionDetails connection)
    {
        if (ReadsEverything(user))
        {
            return connection;
        }

        var topics = connection.Topics.Where(t => IsAllowed(user, PubSubOperation.Read, t)).ToList();
        return topics.Count == 0 ? null : connection with { Topics = topics };
    }

    /// <summary>The items whose topic <paramref name="user"/> may see, in their order.</summary>
    IReadOnlyList<T> Visible<T>(ClaimsPrincipal? user, IReadOnlyList<T> items, Func<T, string> topicOf) =>
        Enabled ? items.Where(item => CanSee(user, topicOf(item))).ToList() : items;

    /// <summary>The operation as the wire and the configuration spell it: <c>publish</c>, <c>subscribe</c>, <c>read</c>, <c>manage</c>.</summary>
    static string Verb(PubSubOperation operation) => operation switch
    {
        PubSubOperation.Publish => "publish",
        PubSubOperation.Subscribe => "subscribe",
        PubSubOperation.Read => "read",
        PubSubOperation.Manage => "manage",
        _ => throw new ArgumentOutOfRangeException(nameof(operation)),
    };
}
