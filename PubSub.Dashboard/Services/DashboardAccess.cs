using System.Security.Claims;
using Microsoft.AspNetCore.Components.Authorization;
using PubSub.Core;
using PubSub.Core.Access;

namespace PubSub.Dashboard.Services;

/// <summary>
/// The dashboard's door to the one authorizer (<see cref="IPubSubAuthorizer"/>), per circuit: the signed-in key's
/// principal, asked the same questions REST asks for the same call. Components use it to show a control enabled or
/// not, and their handlers <see cref="Demand"/> again before acting, so a stale page can never do more than REST would.
/// </summary>
internal sealed class DashboardAccess(IPubSubAuthorizer authorizer, AuthenticationStateProvider authentication)
{
    private ClaimsPrincipal? _user;

    /// <summary>Whether auth is on (then every page needs a signed-in key).</summary>
    public bool Enabled => authorizer.Enabled;

    /// <summary>The signed-in key's name, or null (auth off, or not signed in).</summary>
    public string? KeyName => Enabled ? _user?.Identity?.Name : null;

    /// <summary>Reads the circuit's user; call before the checks below (components do in their first initialization).</summary>
    public async Task LoadAsync()
    {
        _user ??= (await authentication.GetAuthenticationStateAsync()).User;
    }

    /// <summary>Whether the key may do <paramref name="operation"/> on <paramref name="topic"/> (null: on some topic).</summary>
    public bool Can(PubSubOperation operation, string? topic = null) => authorizer.IsAllowed(_user, operation, topic);

    /// <summary>Whether the key reads every topic: then it sees every connection and the nodes' addresses, as REST shows them.</summary>
    public bool ReadsEverything => authorizer.ReadsEverything(_user);

    /// <summary>The signed-in key's principal, for calls that decide by it elsewhere (a connection's node decides a close).</summary>
    public ClaimsPrincipal? User => _user;

    /// <summary>Whether the key may close a connection on <paramref name="topics"/>, as <c>DELETE /api/connections/{id}/</c> decides.</summary>
    public bool MayClose(IReadOnlyCollection<string> topics) => authorizer.MayClose(_user, topics);

    /// <summary>Throws <see cref="PubSubErrorCode.Forbidden"/> exactly where REST would answer 403.</summary>
    public void Demand(PubSubOperation operation, string topic) => authorizer.Demand(_user, operation, topic);

    /// <summary>The items whose topic the key may see, as <c>/topics</c> lists them for it.</summary>
    public IReadOnlyList<T> Visible<T>(IReadOnlyList<T> items, Func<T, string> topicOf) => authorizer.Visible(_user, items, topicOf);

    /// <summary>The broker's stats with only the topics the key may see, as <c>/stats</c> gives them.</summary>
    public BrokerStats Visible(BrokerStats stats) => Enabled ? stats with { Topics = Visible(stats.Topics, t => t.Name) } : stats;

    /// <summary>Why an action is refused, in the words REST uses.</summary>
    public static string Refusal(PubSubOperation operation, string? topic) =>
        topic is null ? $"this API key may not {IPubSubAuthorizer.Verb(operation)}" : $"this API key may not {IPubSubAuthorizer.Verb(operation)} on topic '{topic}'";
}
