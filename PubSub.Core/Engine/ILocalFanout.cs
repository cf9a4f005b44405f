namespace PubSub.Core.Engine;

/// <summary>This node's subscribers, as an engine sees them: a sink for publications and deletions.</summary>
internal interface ILocalFanout
{
    /// <summary>Offers a message to every local subscriber of its topic. Never blocks; never throws for a subscriber's sake.</summary>
    void Deliver(PublishedMessage message);

    /// <summary>
    /// The life <paramref name="epoch"/> of <paramref name="topic"/> was deleted: every local subscriber of that life is
    /// told and unsubscribed (subscribers of a newer life are not).
    /// </summary>
    void TopicDeleted(string topic, string epoch);

    /// <summary>
    /// <paramref name="reset"/>.Topic moved to a new epoch: every local subscription of the old one is told
    /// (<c>reset</c>) and goes on at <c>(new epoch, seq)</c>, reading what follows from history.
    /// </summary>
    void TopicReset(EpochReset reset);

    /// <summary>The bus was away: every local subscription reads what it missed from history before live events go on.</summary>
    void Resync(string? topic = null);
}
