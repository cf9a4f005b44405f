namespace PubSub.Bench.Scenarios;

internal sealed record StalledFigures(
    int Count,
    long ReceivedBeforeStall,
    long ReceivedAfterResume,
    long PublishedToItsTopic,
    long SlowConsumerNotices,
    string? LastError,
    string? Closed,
    IReadOnlyList<double>? ServerRssSeriesMib);
