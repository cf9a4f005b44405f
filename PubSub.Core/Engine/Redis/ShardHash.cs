namespace PubSub.Core.Engine.Redis;

/// <summary>Provisional (the helper's file replaces it): jump consistent hash over FNV-1a 64 of the UTF-8 name.</summary>
internal static class ShardHash
{
    public static int ShardOf(string topic, int shards)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(shards, 1);
        var key = 14695981039346656037UL;
        foreach (var b in System.Text.Encoding.UTF8.GetBytes(topic))
        {
            key = (key ^ b) * 1099511628211UL;
        }

        long bucket = -1, next = 0;
        while (next < shards)
        {
            bucket = next;
            key = (key * 2862933555777941757UL) + 1;
            next = (long)((bucket + 1) * ((double)(1L << 31) / ((key >> 33) + 1)));
        }

        return (int)bucket;
    }
}
