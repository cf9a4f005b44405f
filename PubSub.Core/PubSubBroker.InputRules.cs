namespace PubSub.Core;

// The rules for what a client names, which a door may check early (while parsing, before a broker call) and the broker
// checks again: topic names and a publish's idempotency key (PROTOCOL.md §2). Each has its limit, its check and the
// error text every door uses (each naming its own field). They are the broker's: what it accepts is said on its face.
public sealed partial class PubSubBroker
{
    /// <summary>The longest topic name accepted.</summary>
    public const int TopicNameMaxLength = 128;

    /// <summary>The longest idempotency key accepted.</summary>
    public const int IdempotencyKeyMaxLength = 128;

    /// <summary>Whether <paramref name="name"/> is a valid topic name: 1–128 characters of <c>A-Z a-z 0-9 . _ - :</c>, starting with a letter or digit.</summary>
    public static bool IsTopicName(string? name) => name is not null && IsTopicName(name.AsSpan());

    /// <summary>Whether <paramref name="name"/> is a valid topic name.</summary>
    public static bool IsTopicName(ReadOnlySpan<char> name)
    {
        if (name.Length is 0 or > TopicNameMaxLength || !char.IsAsciiLetterOrDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('.' or '_' or '-' or ':'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The error text for an invalid topic name, shared by every transport.</summary>
    public static string TopicNameError(string? name) => string.IsNullOrEmpty(name)
        ? "topic name must not be empty"
        : $"invalid topic name '{Truncate(name)}': use 1-128 characters of A-Z a-z 0-9 . _ - : starting with a letter or digit";

    /// <summary>Whether <paramref name="key"/> is a valid idempotency key: 1–128 characters, any characters (null is no key, and valid).</summary>
    public static bool IsIdempotencyKey(string? key) => key is null or { Length: > 0 and <= IdempotencyKeyMaxLength };

    /// <summary>The error text for an invalid idempotency key, shared by every door (each names its own <paramref name="field"/>).</summary>
    public static string IdempotencyKeyError(string key, string field = "idempotency key") =>
        $"{field} must be 1 to {IdempotencyKeyMaxLength} characters (was {key.Length})";

    private static string Truncate(string s) => s.Length <= 64 ? s : string.Concat(s.AsSpan(0, 64), "…");
}
