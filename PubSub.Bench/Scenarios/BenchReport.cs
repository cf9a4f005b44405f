using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace PubSub.Bench.Scenarios;

/// <summary>
/// Everything a run measured. Printed as a human summary and as one JSON line (snake_case) at the end of the
/// output; the JSON is the machine-readable contract (docs/benchmarks.md explains each field).
/// </summary>
internal sealed class BenchReport
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string Scenario { get; set; } = "fanout";

    public string Transport { get; set; } = "ws";

    public string Target { get; set; } = "";

    public string? Label { get; set; }

    public string StartedUtc { get; set; } = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);

    public int MachineCores { get; set; } = Environment.ProcessorCount;

    public int Publishers { get; set; }

    public int Subscribers { get; set; }

    public int Topics { get; set; }

    public int PayloadBytes { get; set; }

    /// <summary>"closed-loop" (window of unacknowledged publishes per publisher) or "rate".</summary>
    public string Mode { get; set; } = "closed-loop";

    public int Window { get; set; }

    /// <summary>Every publish carried a unique idempotency key (<c>--idempotency-keys</c>).</summary>
    public bool IdempotencyKeys { get; set; }

    public double? Rate { get; set; }

    public double WarmupSeconds { get; set; }

    public double MeasuredSeconds { get; set; }

    /// <summary>Publishes sent over the whole run (warm-up and drain included).</summary>
    public long Published { get; set; }

    public double PublishesPerSec { get; set; }

    /// <summary>Deliveries that every subscriber should have received over the whole run (stalled ones excluded).</summary>
    public long Expected { get; set; }

    /// <summary>Distinct deliveries received over the whole run (stalled subscribers excluded).</summary>
    public long Delivered { get; set; }

    /// <summary>Deliveries received inside the measured window.</summary>
    public long DeliveredMeasured { get; set; }

    public double DeliveriesPerSec { get; set; }

    public long Lost { get; set; }

    public long Duplicated { get; set; }

    public long OutOfOrder { get; set; }

    public long Malformed { get; set; }

    public long PublishErrors { get; set; }

    public string? LastError { get; set; }

    /// <summary>Publish-to-delivery latency (µs) of deliveries received in the measured window.</summary>
    public LatencyFigures? LatencyUs { get; set; }

    /// <summary>Publish-to-ack latency (µs) of publishes sent in the measured window (/ws publishers).</summary>
    public LatencyFigures? AckLatencyUs { get; set; }

    /// <summary>SSE subscribers beside the transport's (<c>--sse-subscribers</c>); then <see cref="LatencyUs"/> is the transport's subscribers' alone.</summary>
    public int? SseSubscribers { get; set; }

    /// <summary>Publish-to-delivery latency of the SSE subscribers.</summary>
    public LatencyFigures? SseLatencyUs { get; set; }

    /// <summary>Deliveries per second to the SSE subscribers (part of <see cref="DeliveriesPerSec"/>).</summary>
    public double? SseDeliveriesPerSec { get; set; }

    /// <summary>The server process (--server-pid), when given.</summary>
    public ProcessFigures? Server { get; set; }

    /// <summary>The load generator itself.</summary>
    public ProcessFigures? Bench { get; set; }

    /// <summary>The redis-server behind a Redis-engine broker (--store-pid), when given.</summary>
    public ProcessFigures? Store { get; set; }

    /// <summary>The store's CPU time per publish in the measured window, in microseconds.</summary>
    public double? StoreCpuUsPerPublish { get; set; }

    public StalledFigures? Stalled { get; set; }

    public ConnectionFigures? Connections { get; set; }

    /// <summary>Slow-consumer scenario: the same load without the stalled subscriber.</summary>
    public BenchReport? Baseline { get; set; }

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static BenchReport? FromJson(string json) => JsonSerializer.Deserialize<BenchReport>(json, Json);

    public string ToSummary()
    {
        var s = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        s.AppendLine(c, $"== {Scenario} over {Transport} → {Target}{(Label is null ? "" : $" ({Label})")}");
        if (Connections is { } k)
        {
            s.AppendLine(c, $"connections      {k.Established:N0} established of {k.Requested:N0} in {k.EstablishSeconds:0.00} s ({k.PerSecond:N0}/s), {k.Failed:N0} failed ({k.FirstError ?? "no error"})");
            s.AppendLine(c, $"server RSS       {k.RssBeforeMib:0.0} MiB before, {k.RssAfterMib:0.0} MiB after: {k.RssPerConnectionKib:0.00} KiB per connection");
            s.AppendLine(c, $"one publish      reached {k.FanoutReceived:N0} of {k.Established:N0} connections in {k.FanoutMillis:0.0} ms");
            return s.ToString();
        }

        s.AppendLine(c, $"load             {Publishers} publisher(s) × {Subscribers} subscriber(s) × {Topics} topic(s), {PayloadBytes} B payload, {(Mode == "rate" ? $"rate {Rate:N0} msg/s" : $"closed loop, window {Window}")}, {MeasuredSeconds:0.0} s measured after {WarmupSeconds:0.0} s warm-up");
        s.AppendLine(c, $"publishes/s      {PublishesPerSec:N0}");
        s.AppendLine(c, $"deliveries/s     {DeliveriesPerSec:N0}");
        if (LatencyUs is { } l)
        {
            s.AppendLine(c, $"latency ms       p50 {l.P50 / 1000.0:0.000}  p90 {l.P90 / 1000.0:0.000}  p99 {l.P99 / 1000.0:0.000}  p99.9 {l.P999 / 1000.0:0.000}  max {l.Max / 1000.0:0.000}  (n={l.Count:N0})");
        }

        if (SseLatencyUs is { } sl)
        {
            s.AppendLine(c, $"sse latency ms   p50 {sl.P50 / 1000.0:0.000}  p90 {sl.P90 / 1000.0:0.000}  p99 {sl.P99 / 1000.0:0.000}  p99.9 {sl.P999 / 1000.0:0.000}  max {sl.Max / 1000.0:0.000}  (n={sl.Count:N0}; {SseSubscribers} SSE subscribers, {SseDeliveriesPerSec:N0} deliveries/s; the line above: the other {Subscribers})");
        }

        if (AckLatencyUs is { } a)
        {
            s.AppendLine(c, $"ack latency ms   p50 {a.P50 / 1000.0:0.000}  p90 {a.P90 / 1000.0:0.000}  p99 {a.P99 / 1000.0:0.000}  p99.9 {a.P999 / 1000.0:0.000}  max {a.Max / 1000.0:0.000}  (n={a.Count:N0})");
        }

        s.AppendLine(c, $"correctness      published {Published:N0}, expected {Expected:N0}, delivered {Delivered:N0}: lost {Lost:N0}, duplicated {Duplicated:N0}, out of order {OutOfOrder:N0}, malformed {Malformed:N0}, publish errors {PublishErrors:N0}");
        if (LastError is not null)
        {
            s.AppendLine(c, $"last error       {LastError}");
        }

        if (Server is { } sv)
        {
            s.AppendLine(c, $"server           {sv.CpuCores:0.00} cores, {sv.DeliveriesPerCoreSecond:N0} deliveries per core-second, RSS {sv.RssEndMib:0.0} MiB (max {sv.RssMaxMib:0.0})");
        }

        if (Store is { } store)
        {
            s.AppendLine(c, $"redis (store)    {store.CpuCores:0.00} cores, {StoreCpuUsPerPublish:0.0} µs CPU per publish, RSS {store.RssEndMib:0.0} MiB");
        }

        if (Bench is { } b)
        {
            s.AppendLine(c, $"load generator   {b.CpuCores:0.00} cores, {b.DeliveriesPerCoreSecond:N0} deliveries per core-second, RSS {b.RssEndMib:0.0} MiB");
        }

        if (Stalled is { } st)
        {
            s.AppendLine(c, $"stalled          {st.Count} subscriber(s): {st.ReceivedBeforeStall:N0} events before the stall, {st.ReceivedAfterResume:N0} after resuming, {st.PublishedToItsTopic:N0} published to its topic; SLOW_CONSUMER notices {st.SlowConsumerNotices}; {st.LastError ?? "no error"}; {st.Closed ?? "still open"}");
            if (st.ServerRssSeriesMib is { Count: > 0 } series)
            {
                s.AppendLine(c, $"server RSS MiB   every second: {string.Join(' ', series.Select(x => x.ToString("0", c)))}");
            }
        }

        if (Baseline is { } bl)
        {
            s.AppendLine(c, $"without stalled  deliveries/s {bl.DeliveriesPerSec:N0}, p99 {bl.LatencyUs?.P99 / 1000.0:0.000} ms, max {bl.LatencyUs?.Max / 1000.0:0.000} ms, lost {bl.Lost}");
        }

        return s.ToString();
    }
}
