using PubSub.Client;

namespace PubSub.Tests.Clients;

/// <summary>The client's position rules (PROTOCOL.md §5, §8) as a table: what each ack, event and notice means for the stream.</summary>
public sealed class SubscriptionPositionTests
{
    [Fact]
    public void Live_only_starts_after_the_topics_latest_and_drops_what_it_has_seen()
    {
        var p = new SubscriptionPosition("t", SubscribeFrom.Now);
        Assert.Null(p.OnAck("e1", 7, gap: false));
        Assert.Equal(EventDecision.Duplicate, p.OnEvent(7, out _));
        Assert.Equal(EventDecision.Deliver, p.OnEvent(8, out var none));
        Assert.Null(none);
        Assert.Equal(SubscribeFrom.After(8, "e1"), p.Request);
    }

    [Theory]
    [InlineData(5, false, 6, null, null)] // resumed, nothing missed
    [InlineData(5, true, 9, 6L, 8L)] // resumed after a hole history no longer held: one gap notice before 9
    public void A_resume_in_the_same_epoch_drops_duplicates_and_announces_a_gap_once(long last, bool gap, long next, long? from, long? to)
    {
        var p = new SubscriptionPosition("t", SubscribeFrom.After(last, "e1"));
        Assert.Null(p.OnAck("e1", 20, gap));
        Assert.Equal(EventDecision.Duplicate, p.OnEvent(last, out _));
        Assert.Equal(EventDecision.Deliver, p.OnEvent(next, out var notice));
        Assert.Equal(from is null ? null : new GapNotice("t", from.Value, to!.Value), notice);
    }

    [Fact]
    public void A_resume_into_another_epoch_is_a_reset_and_the_new_epoch_is_taken_from_its_start()
    {
        var p = new SubscriptionPosition("t", SubscribeFrom.After(8, "old"));
        Assert.Equal(new ResetNotice("t", "new", 0), p.OnAck("new", 3, gap: true));
        Assert.Equal(EventDecision.Deliver, p.OnEvent(1, out var notice));
        Assert.Null(notice);
        Assert.Equal(SubscribeFrom.After(1, "new"), p.Request);
    }

    [Fact]
    public void A_live_reset_moves_to_the_new_epoch_after_its_seq_and_a_repeat_is_ignored()
    {
        var p = new SubscriptionPosition("t", SubscribeFrom.Now);
        p.OnAck("e1", 8, gap: false);
        Assert.Equal(new ResetNotice("t", "e2", 5), p.OnReset("e2", 5));
        Assert.Null(p.OnReset("e2", 5));
        Assert.Equal(EventDecision.Deliver, p.OnEvent(6, out _)); // 6 again, of the new epoch: not a duplicate
    }

    [Fact]
    public void An_unannounced_hole_resumes_once_and_is_announced_if_it_is_still_there()
    {
        var p = new SubscriptionPosition("t", SubscribeFrom.Now);
        p.OnAck("e1", 0, gap: false);
        p.OnEvent(1, out _);
        Assert.Equal(EventDecision.Hole, p.OnEvent(4, out _));
        Assert.Equal(SubscribeFrom.After(1, "e1"), p.Request);
        p.OnAck("e1", 4, gap: false);
        Assert.Equal(EventDecision.Deliver, p.OnEvent(4, out var notice)); // the same hole after resuming: told, not looped
        Assert.Equal(new GapNotice("t", 2, 3), notice);
    }

    [Fact]
    public void Last_n_takes_the_first_replayed_seq_as_the_start_and_a_live_gap_moves_past_it()
    {
        var p = new SubscriptionPosition("t", SubscribeFrom.Last(3));
        p.OnAck("e1", 10, gap: false);
        Assert.Equal(SubscribeFrom.Last(3), p.Request);
        Assert.Equal(EventDecision.Deliver, p.OnEvent(8, out _));
        Assert.Equal(new GapNotice("t", 9, 12), p.OnGap(9, 12));
        Assert.Null(p.OnGap(9, 12));
        Assert.Equal(EventDecision.Deliver, p.OnEvent(13, out var notice));
        Assert.Null(notice);
    }
}
