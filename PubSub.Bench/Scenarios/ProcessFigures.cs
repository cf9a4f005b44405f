namespace PubSub.Bench.Scenarios;

internal sealed record ProcessFigures(int? Pid, double CpuSeconds, double CpuCores, double DeliveriesPerCoreSecond, double RssStartMib, double RssEndMib, double RssMaxMib);
