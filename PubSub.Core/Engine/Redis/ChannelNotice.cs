namespace PubSub.Core.Engine.Redis;

/// <summary>One thing a topic channel carried: exactly one of a message, a deleted life's epoch, or a reset.</summary>
internal readonly record struct ChannelNotice(PublishedMessage? Message, string? DeletedEpoch, EpochReset? Reset);
