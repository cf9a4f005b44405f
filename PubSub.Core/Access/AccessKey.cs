using System.Security.Claims;

namespace PubSub.Core.Access;

/// <summary>
/// A configured key as a signed-in caller carries it: <see cref="Id"/> is what rights are looked up by (unique per
/// key, derived from its secret), <see cref="Name"/> is for people and logs only.
/// </summary>
public sealed record AccessKey(string Id, string Name)
{
    /// <summary>The claim that carries <see cref="Id"/>. Rights are never looked up by name.</summary>
    public const string IdClaim = "pubsub:key-id";

    /// <summary>A principal for this key, authenticated by <paramref name="authenticationType"/> (the auth scheme).</summary>
    public ClaimsPrincipal ToPrincipal(string authenticationType) =>
        new(new ClaimsIdentity([new Claim(IdClaim, Id), new Claim(ClaimTypes.Name, Name)], authenticationType, ClaimTypes.Name, ClaimTypes.Role));

    /// <summary>The key id a principal carries, if any.</summary>
    public static string? IdOf(ClaimsPrincipal? user) => user?.FindFirst(IdClaim)?.Value;

    /// <summary>
    /// A principal that carries only the key id <paramref name="id"/> (null for none): what another node's request names
    /// its caller by, so that this node asks its own authorizer about that key's rights (<c>cluster</c> authentication).
    /// </summary>
    public static ClaimsPrincipal? ForId(string? id) =>
        id is null ? null : new(new ClaimsIdentity([new Claim(IdClaim, id)], "cluster"));
}
