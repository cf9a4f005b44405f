namespace PubSub.Core;

/// <summary>The one rule for a publish's idempotency key (PROTOCOL.md §2): 1–128 characters, any characters.</summary>
public static class IdempotencyKeys
{
    /// <summary>The longest key accepted.</summary>
    public const int MaxLength = 128;

    /// <summary>Whether <paramref name="key"/> is a valid key (null is no key, and valid).</summary>
    public static bool IsValid(string? key) => key is null or { Length: > 0 and <= MaxLength };

    /// <summary>The error text for an invalid key, shared by every door (each names its own field).</summary>
    public static string Describe(string key, string field = "idempotency key") =>
        $"{field} must be 1 to {MaxLength} characters (was {key.Length})";
}
