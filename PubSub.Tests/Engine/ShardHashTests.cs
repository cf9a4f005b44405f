using PubSub.Core.Engine.Redis;

namespace PubSub.Tests.Engine;

public sealed class ShardHashTests
{
    // Names shaped like real ones: a few families with counters, as topics tend to be.
    private static readonly string[] Names = Enumerable.Range(0, 10_000)
        .Select(i => (i % 4) switch
        {
            0 => $"orders.{i}",
            1 => $"chat:room-{i}",
            2 => $"sensors:eu-west:{i}",
            _ => $"t{i}",
        })
        .ToArray();

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Spreads_ten_thousand_names_within_ten_percent_of_an_even_share(int shards)
    {
        var counts = new int[shards];
        foreach (var name in Names)
        {
            counts[ShardHash.ShardOf(name, shards)]++;
        }

        // An even share is 10,000/n; a fair random spread stays within a few standard deviations (≈ 50 at n = 2,
        // ≈ 33 at n = 8), well inside ±10 %.
        var even = Names.Length / (double)shards;
        Assert.All(counts, count => Assert.InRange(count, even * 0.9, even * 1.1));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(7)]
    [InlineData(15)]
    public void Adding_a_shard_moves_about_one_in_n_plus_one_names_all_to_the_new_shard(int shards)
    {
        var moved = 0;
        foreach (var name in Names)
        {
            var before = ShardHash.ShardOf(name, shards);
            var after = ShardHash.ShardOf(name, shards + 1);
            if (before != after)
            {
                Assert.Equal(shards, after);
                moved++;
            }
        }

        var expected = Names.Length / (double)(shards + 1);
        Assert.InRange(moved, expected * 0.85, expected * 1.15);
    }

    [Fact]
    public void The_same_name_gets_the_same_shard_every_time()
    {
        foreach (var name in Names.Take(500))
        {
            var first = ShardHash.ShardOf(name, 5);
            Assert.Equal(first, ShardHash.ShardOf(new string(name.AsSpan()), 5));
            Assert.Equal(first, ShardHash.ShardOf(name, 5));
        }
    }

    [Fact]
    public void One_shard_holds_every_name()
    {
        Assert.All(Names.Take(1000), name => Assert.Equal(0, ShardHash.ShardOf(name, 1)));
        Assert.Equal(0, ShardHash.ShardOf("", 1));
    }

    [Fact]
    public void Refuses_a_null_name_and_fewer_than_one_shard()
    {
        Assert.Throws<ArgumentNullException>(() => ShardHash.ShardOf(null!, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardHash.ShardOf("orders", 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => ShardHash.ShardOf("orders", -3));
    }

    // These pin the on-disk contract: a topic's history lives on the shard named here, so a change to the hash or
    // the algorithm that moves any of these values moves users' topics away from their data. Do not "fix" them.
    // Computed independently (a Python transcription of the paper's code over FNV-1a 64).
    [Theory]
    [InlineData("orders", new[] { 0, 0, 3, 7, 10 })]
    [InlineData("chat.room-1", new[] { 0, 0, 0, 0, 10 })]
    [InlineData("sensors:eu-west:42", new[] { 1, 2, 2, 2, 15 })]
    [InlineData("a", new[] { 1, 2, 2, 2, 12 })]
    [InlineData("ü-topic", new[] { 1, 2, 3, 3, 3 })]
    public void Pinned_shards_for_two_three_five_eight_and_sixteen_shards(string topic, int[] expected)
    {
        int[] shardCounts = [2, 3, 5, 8, 16];
        Assert.Equal(expected, shardCounts.Select(n => ShardHash.ShardOf(topic, n)).ToArray());
    }

    // FNV-1a 64 test vectors from its authors (isthe.com/chongo/tech/comp/fnv).
    [Theory]
    [InlineData("", 0xcbf29ce484222325UL)]
    [InlineData("a", 0xaf63dc4c8601ec8cUL)]
    [InlineData("foobar", 0x85944171f73967e8UL)]
    public void Hashes_names_with_fnv1a_64(string text, ulong expected) => Assert.Equal(expected, ShardHash.Fnv1a64(text));

    // Guava's golden values for its consistentHash, the same algorithm: keys 0..19 over 100 buckets, and a few more.
    [Fact]
    public void Jumps_as_the_published_algorithm_does()
    {
        int[] golden100 = [0, 55, 62, 8, 45, 59, 86, 97, 82, 59, 73, 37, 17, 56, 86, 21, 90, 37, 38, 83];
        Assert.Equal(golden100, Enumerable.Range(0, 20).Select(key => ShardHash.Jump((ulong)key, 100)).ToArray());
        Assert.Equal(6, ShardHash.Jump(10863919174838991UL, 11));
        Assert.Equal(3, ShardHash.Jump(2016238256797177309UL, 11));
        Assert.Equal(5, ShardHash.Jump(1673758223894951030UL, 11));
        Assert.Equal(80343, ShardHash.Jump(2UL, 100001));
        Assert.Equal(22152, ShardHash.Jump(2201UL, 100001));
        Assert.Equal(15018, ShardHash.Jump(2202UL, 100001));
    }
}
