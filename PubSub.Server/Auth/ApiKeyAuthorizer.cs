using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using PubSub.Core.Access;
using PubSub.Server.Hosting;

namespace PubSub.Server.Auth;

/// <summary>
/// The configured keys and their rights: which topics (names or <c>prefix*</c>) and which operations. The one
/// <see cref="IPubSubAuthorizer"/> of the server, asked by REST, <c>/ws</c>, the hub and the dashboard alike.
/// </summary>
/// <remarks>
/// A key's id is the SHA-256 of its secret: secrets are unique (validated at start), so ids are too, and lookup
/// time does not depend on how much of a guess was right. A principal carries the id, never a name to look rights
/// up by: two keys once named alike swapped rights that way. Changing a key's secret invalidates the dashboard
/// cookies signed in with it.
/// </remarks>
internal sealed class ApiKeyAuthorizer : IPubSubAuthorizer
{
    private readonly Dictionary<string, (string Name, ApiKeyOptions Rights)> _byId = new(StringComparer.Ordinal);

    public ApiKeyAuthorizer(IOptions<AuthOptions> options)
    {
        Enabled = options.Value.Enabled;
        for (var i = 0; i < options.Value.Keys.Count; i++)
        {
            var key = options.Value.Keys[i];
            var id = IdOf(key.Key);
            _byId[id] = (AuthOptions.NameOf(key, i), key);
        }
    }

    public bool Enabled { get; }

    public ClaimsPrincipal? Authenticate(string presented, string authenticationType)
    {
        var id = IdOf(presented);
        return _byId.TryGetValue(id, out var entry)
            ? new(new ClaimsIdentity([new Claim(IPubSubAuthorizer.KeyIdClaim, id), new Claim(ClaimTypes.Name, entry.Name)], authenticationType, ClaimTypes.Name, ClaimTypes.Role))
            : null;
    }

    public bool IsKnown(ClaimsPrincipal? user) => !Enabled || RightsOf(user) is not null;

    public bool IsAllowed(ClaimsPrincipal? user, PubSubOperation operation, string? topic)
    {
        if (!Enabled)
        {
            return true;
        }

        if (RightsOf(user) is not { } key)
        {
            return false;
        }

        if (key.Operations.Count > 0 && !key.Operations.Contains(operation.ToString(), StringComparer.OrdinalIgnoreCase))
        {
            return false;
        }

        return topic is null || Covers(key, topic);
    }

    public bool CanSee(ClaimsPrincipal? user, string topic) => !Enabled || (RightsOf(user) is { } key && Covers(key, topic));

    private ApiKeyOptions? RightsOf(ClaimsPrincipal? user) =>
        IPubSubAuthorizer.KeyIdOf(user) is { } id && _byId.TryGetValue(id, out var entry) ? entry.Rights : null;

    private static bool Covers(ApiKeyOptions key, string topic) => key.Topics.Count == 0 || key.Topics.Any(pattern => Matches(pattern, topic));

    private static bool Matches(string pattern, string topic) =>
        pattern == "*" || (pattern.EndsWith('*') ? topic.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal) : pattern == topic);

    private static string IdOf(string secret) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
