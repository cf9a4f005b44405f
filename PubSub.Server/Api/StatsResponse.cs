namespace PubSub.Server.Api;

public sealed record StatsResponse(
    Dictionary<string, TopicStatsBody> Topics,
    long UptimeSec,
    int Subscribers,
    Dictionary<string, int> Connections,
    long Published,
    long Delivered,
    long Dropped);
