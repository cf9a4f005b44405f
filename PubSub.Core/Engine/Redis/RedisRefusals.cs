namespace PubSub.Core.Engine.Redis;

/// <summary>
/// The answers with which Redis refuses a command without running it, and what each means to an operator. A
/// refusal raised inside a script comes before its first write (Redis checks memory, role and quorum when a script
/// first writes), so a refused script changed nothing either.
/// </summary>
internal static class RedisRefusals
{
    private static readonly (string Code, string Meaning)[] Known =
    [
        ("OOM", "out of memory: maxmemory reached under the noeviction policy"),
        ("READONLY", "a read-only replica"),
        ("MASTERDOWN", "a replica that lost its primary"),
        ("NOREPLICAS", "not enough replicas for min-replicas-to-write"),
        ("BUSY", "busy running a long script"),
        ("LOADING", "loading its data set"),
        ("MISCONF", "unable to persist (stop-writes-on-bgsave-error)"),
        ("CLUSTERDOWN", "the cluster is down"),
        ("TRYAGAIN", "a slot is being moved"),
    ];

    /// <summary>What the refusal in Redis's error <paramref name="message"/> means, or null when it is not a refusal.</summary>
    public static string? Describe(string message)
    {
        // A slot that moved while the client did not follow (Redis's MOVED or ASK, or the client's own words for them when
        // it does not redirect a script re-sent whole): the command did not run; the client learns the new owner.
        if (StartsWithCode(message, 0, "MOVED") || StartsWithCode(message, 0, "ASK") || message.StartsWith("Key has MOVED", StringComparison.Ordinal))
        {
            return "MOVED, a slot moved to another cluster node";
        }

        foreach (var (code, meaning) in Known)
        {
            // Plain: "OOM command not allowed …". From inside a script, Redis 7 puts the code first too; Redis 6 wraps it:
            // "ERR Error running script (call to f_…): @user_script:4: OOM command not allowed …".
            if (StartsWithCode(message, 0, code) || message.IndexOf(": " + code + " ", StringComparison.Ordinal) is >= 0)
            {
                return $"{code}, {meaning}";
            }
        }

        return null;
    }

    private static bool StartsWithCode(string message, int at, string code) =>
        message.Length > at + code.Length && string.CompareOrdinal(message, at, code, 0, code.Length) == 0 && message[at + code.Length] == ' ';
}
