namespace PubSub.Core;

/// <summary>The one rule for topic names: 1–128 characters of <c>A-Z a-z 0-9 . _ - :</c>, starting with a letter or digit.</summary>
public static class TopicNames
{
    /// <summary>The longest name accepted.</summary>
    public const int MaxLength = 128;

    /// <summary>Whether <paramref name="name"/> is a valid topic name.</summary>
    public static bool IsValid(string? name) => name is not null && IsValid(name.AsSpan());

    /// <summary>Whether <paramref name="name"/> is a valid topic name.</summary>
    public static bool IsValid(ReadOnlySpan<char> name)
    {
        if (name.Length is 0 or > MaxLength || !char.IsAsciiLetterOrDigit(name[0]))
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

    /// <summary>The error text for an invalid name, shared by every transport.</summary>
    public static string Describe(string? name) => string.IsNullOrEmpty(name)
        ? "topic name must not be empty"
        : $"invalid topic name '{Truncate(name)}': use 1-128 characters of A-Z a-z 0-9 . _ - : starting with a letter or digit";

    private static string Truncate(string s) => s.Length <= 64 ? s : string.Concat(s.AsSpan(0, 64), "…");
}
