using System.Security.Claims;

namespace PubSub.Core.Access;

/// <summary>Auth off: every caller may do everything. The broker's default until a host registers its own authorizer.</summary>
internal sealed class OpenAuthorizer : IPubSubAuthorizer
{
    public bool Enabled => false;

    public ClaimsPrincipal? Authenticate(string presented, string authenticationType) => null;

    public bool IsKnown(ClaimsPrincipal? user) => true;

    public bool IsAllowed(ClaimsPrincipal? user, PubSubOperation operation, string? topic) => true;

    public bool CanSee(ClaimsPrincipal? user, string topic) => true;
}
