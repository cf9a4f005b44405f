namespace PubSub.Core;

/// <summary>
/// Hands out the cache slots of every <see cref="MessageEncoding{T}"/>, whatever its <c>T</c>. Not a static field of
/// the generic class: each closed generic type would have its own counter, and encodings of different types
/// (the /ws bytes, a SignalR message) would share slot 0 and read each other's cached values.
/// </summary>
internal static class MessageEncodingSlots
{
    private static int s_next = -1;

    public static int Next() => Interlocked.Increment(ref s_next);
}
