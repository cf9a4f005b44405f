using PubSub.Core;
using PubSub.Core.Engine;

namespace PubSub.Tests.Core;

public sealed class HistoryRingTests
{
    private static HistoryRing Filled(int capacity, int count)
    {
        var ring = new HistoryRing(capacity);
        for (var seq = 1; seq <= count; seq++)
        {
            ring.Add(new PublishedMessage("t", seq, seq.ToString(), "1"u8.ToArray(), null, DateTimeOffset.UnixEpoch));
        }

        return ring;
    }

    [Fact]
    public void Keeps_the_newest_capacity_messages_in_order()
    {
        var slice = Filled(5, 12).Read(HistoryQuery.Last(100), 12, "e");
        Assert.Equal([8L, 9, 10, 11, 12], slice.Messages.Select(m => m.Seq));
        Assert.Equal(8, slice.FirstRetainedSeq);
        Assert.Equal(5, slice.RetainedCount);
    }

    [Theory]
    [InlineData(0, new long[0])]
    [InlineData(2, new long[] { 11, 12 })]
    [InlineData(5, new long[] { 8, 9, 10, 11, 12 })]
    public void Last_n_returns_the_newest_oldest_first(int n, long[] expected) =>
        Assert.Equal(expected, Filled(5, 12).Read(HistoryQuery.Last(n), 12, "e").Messages.Select(m => m.Seq));

    [Theory]
    [InlineData(0, new long[] { 8, 9, 10, 11, 12 })]
    [InlineData(9, new long[] { 10, 11, 12 })]
    [InlineData(12, new long[0])]
    [InlineData(40, new long[0])]
    public void After_returns_newer_retained_messages(long after, long[] expected) =>
        Assert.Equal(expected, Filled(5, 12).Read(HistoryQuery.After(after), 12, "e").Messages.Select(m => m.Seq));

    [Theory]
    [InlineData(0, 2, new long[] { 12, 11 })]
    [InlineData(3, 10, new long[] { 9, 8 })]
    [InlineData(5, 10, new long[0])]
    public void NewestFirst_pages(int offset, int limit, long[] expected) =>
        Assert.Equal(expected, Filled(5, 12).Read(HistoryQuery.NewestFirst(offset, limit), 12, "e").Messages.Select(m => m.Seq));

    [Fact]
    public void Zero_capacity_retains_nothing()
    {
        var slice = Filled(0, 3).Read(HistoryQuery.Last(10), 3, "e");
        Assert.Empty(slice.Messages);
        Assert.Equal(4, slice.FirstRetainedSeq);
    }
}
