using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using PubSub.Server.Hosting;

namespace PubSub.Server.Auth;

/// <summary>What a request wants to do, for per-key permission checks.</summary>
public enum PubSubOperation
{
    Publish,
    Subscribe,
    Manage,
    Read,
}

/// <summary>
/// The configured keys and their permissions: which topics (names or <c>prefix*</c>) and which operations.
/// With auth off every check passes. Keys are compared by their SHA-256 hash, so lookup time does not depend
/// on how much of a guess was right.
/// </summary>
public sealed class ApiKeyAuthorizer
{
    internal const string KeyClaim = "pubsub:key";

    private readonly Dictionary<string, ApiKeyOptions> _byHash = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ApiKeyOptions> _byName = new(StringComparer.Ordinal);

    public ApiKeyAuthorizer(IOptions<AuthOptions> options)
    {
        Enabled = options.Value.Enabled;
        var i = 0;
        foreach (var key in options.Value.Keys)
        {
            key.Name ??= $"key-{i}";
            i++;
            _byHash[Hash(key.Key)] = key;
            _byName[key.Name] = key;
        }
    }

    /// <summary>Whether auth is on.</summary>
    public bool Enabled { get; }

    internal ApiKeyOptions? Find(string presented) => _byHash.GetValueOrDefault(Hash(presented));

    /// <summary>Whether <paramref name="user"/> may do <paramref name="operation"/> on <paramref name="topic"/> (null: no topic in particular).</summary>
    public bool IsAllowed(ClaimsPrincipal? user, PubSubOperation operation, string? topic)
    {
        if (!Enabled)
        {
            return true;
        }

        var name = user?.FindFirst(KeyClaim)?.Value;
        if (name is null || !_byName.TryGetValue(name, out var key))
        {
            return false;
        }

        if (operation != PubSubOperation.Read && key.Operations.Count > 0 &&
            !key.Operations.Contains(operation.ToString(), StringComparer.OrdinalIgnoreCase))
        {
            return false;
        }

        return topic is null || key.Topics.Count == 0 || key.Topics.Any(pattern => Matches(pattern, topic));
    }

    private static bool Matches(string pattern, string topic) =>
        pattern == "*" || (pattern.EndsWith('*') ? topic.StartsWith(pattern.AsSpan(0, pattern.Length - 1), StringComparison.Ordinal) : pattern == topic);

    private static string Hash(string key) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
