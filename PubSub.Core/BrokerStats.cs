namespace PubSub.Core;

/// <summary>Broker-wide figures on this node.</summary>
public sealed record BrokerStats(
    TimeSpan Uptime,
    IReadOnlyList<TopicInfo> Topics,
    int Subscriptions,
    IReadOnlyDictionary<string, int> ConnectionsByTransport,
    long Published,
    long Delivered,
    long Dropped);
