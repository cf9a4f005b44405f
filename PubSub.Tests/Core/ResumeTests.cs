using PubSub.Core;

namespace PubSub.Tests.Core;

public sealed class ResumeTests
{
    // sinceSeq, firstRetained, latest → replayAfter, gap
    [Theory]
    [InlineData(0, 1, 0, 0, false)] // empty topic, fresh client
    [InlineData(0, 1, 10, 0, false)] // everything retained from 1
    [InlineData(5, 1, 10, 5, false)] // resume inside the retained range
    [InlineData(10, 1, 10, 10, false)] // up to date
    [InlineData(0, 11, 110, 0, true)] // 1..10 evicted: a gap
    [InlineData(10, 11, 110, 10, false)] // saw exactly up to the eviction point: no gap
    [InlineData(9, 11, 110, 9, true)] // missed seq 10, which is gone
    [InlineData(110, 111, 110, 110, false)] // nothing retained, client up to date
    [InlineData(50, 111, 110, 50, true)] // nothing retained (capacity 0), client behind
    [InlineData(20, 1, 10, 0, false)] // client ahead: it saw an earlier life of the topic; replay all, nothing lost
    [InlineData(500, 11, 110, 0, true)] // client ahead, and this life lost 1..10
    public void Plan_decides_replay_start_and_gap(long since, long first, long latest, long expectedAfter, bool expectedGap)
    {
        var (after, gap) = Resume.Plan(since, first, latest);
        Assert.Equal(expectedAfter, after);
        Assert.Equal(expectedGap, gap);
    }
}
