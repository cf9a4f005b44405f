namespace PubSub.Core.Engine;

/// <summary>A topic moved from <paramref name="FromEpoch"/> to <paramref name="Epoch"/>; its messages after <paramref name="Seq"/> follow.</summary>
internal sealed record EpochReset(string Topic, string FromEpoch, string Epoch, long Seq);
