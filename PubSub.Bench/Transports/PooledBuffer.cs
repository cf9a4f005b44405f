using System.Buffers;

namespace PubSub.Bench.Transports;

/// <summary>The readers' growing receive buffer, rented from the shared pool.</summary>
internal static class PooledBuffer
{
    /// <summary>A buffer twice the size of the full <paramref name="buffer"/>, holding its first <paramref name="count"/> bytes; the old one goes back to the pool.</summary>
    public static byte[] Grow(byte[] buffer, int count)
    {
        var grown = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
        buffer.AsSpan(0, count).CopyTo(grown);
        ArrayPool<byte>.Shared.Return(buffer);
        return grown;
    }
}
