namespace PubSub.Bench.Scenarios;

internal sealed record LatencyFigures(long Count, double Mean, long P50, long P90, long P99, long P999, long Max)
{
    public static LatencyFigures From(Measurement.LatencyHistogram h) =>
        new(h.Count, h.Count == 0 ? 0 : Math.Round((double)h.Sum / h.Count, 1), h.Percentile(50), h.Percentile(90), h.Percentile(99), h.Percentile(99.9), h.Max);
}
