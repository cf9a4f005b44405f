namespace PubSub.Bench.Scenarios;

internal sealed record ConnectionFigures(
    int Requested,
    int Established,
    int Failed,
    string? FirstError,
    double EstablishSeconds,
    double PerSecond,
    int SourceAddresses,
    double RssBeforeMib,
    double RssAfterMib,
    double RssPerConnectionKib,
    long FanoutReceived,
    double FanoutMillis);
