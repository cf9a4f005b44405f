using System.Text;

namespace PubSub.Core.Engine.Redis;

/// <summary>
/// Which of several standalone Redis servers (<c>PubSub:Redis:Shards</c>) holds a topic: Lamping and Veach's jump
/// consistent hash ("A Fast, Minimal Memory, Consistent Hash Algorithm", 2014) over the 64-bit FNV-1a hash of the
/// topic name's UTF-8 bytes. Centrifuge's <c>redis_shard.go</c> does the same.
/// </summary>
/// <remarks>
/// <para>
/// This is part of the on-disk contract: a topic's history, sequence and epoch live on the shard this function
/// names, so every node of every version must compute the same shard for the same name and shard count. Hence
/// FNV-1a 64 (offset basis 14695981039346656037, prime 1099511628211), written out here, and never
/// <see cref="string.GetHashCode()"/> (randomized per process) or a library hash whose output might change.
/// Changing the hash or the algorithm moves users' topics (their history and position are left behind on the old
/// shard); never change either.
/// </para>
/// <para>
/// Why a jump hash rather than <c>hash % n</c>: going from n to n+1 shards moves only about 1/(n+1) of the
/// topics, and every topic that moves goes to the new shard (with modulo almost every topic would move); it
/// needs no ring or table, and spreads topics evenly. Its limit: shards can only be added or removed at the end of
/// the list, so <c>PubSub:Redis:Shards</c> is an ordered list and an operator appends to it.
/// </para>
/// </remarks>
internal static class ShardHash
{
    private const ulong FnvOffsetBasis = 14695981039346656037;
    private const ulong FnvPrime = 1099511628211;

    /// <summary>The shard, in <c>[0, shards)</c>, that holds <paramref name="topic"/>.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="topic"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="shards"/> is less than 1.</exception>
    public static int ShardOf(string topic, int shards)
    {
        ArgumentNullException.ThrowIfNull(topic);
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        return Jump(Fnv1a64(topic), shards);
    }

    /// <summary>64-bit FNV-1a of the UTF-8 bytes of <paramref name="text"/>.</summary>
    internal static ulong Fnv1a64(string text)
    {
        var hash = FnvOffsetBasis;
        var length = Encoding.UTF8.GetByteCount(text);
        var bytes = length <= 256 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(text, bytes);
        foreach (var b in bytes)
        {
            hash ^= b;
            hash *= FnvPrime;
        }

        return hash;
    }

    /// <summary>
    /// The jump consistent hash as published: a 64-bit linear congruential generator seeded with the key decides,
    /// bucket count by bucket count, where the key jumps next; the last jump below <paramref name="buckets"/> wins.
    /// </summary>
    internal static int Jump(ulong key, int buckets)
    {
        long b = -1;
        long j = 0;
        while (j < buckets)
        {
            b = j;
            key = unchecked((key * 2862933555777941757UL) + 1);
            j = (long)((b + 1) * ((double)(1L << 31) / ((key >> 33) + 1)));
        }

        return (int)b;
    }
}
