using System.Diagnostics;
using System.Globalization;
using PubSub.Bench.Cli;
using PubSub.Bench.Measurement;
using PubSub.Bench.Transports;

namespace PubSub.Bench.Scenarios;

/// <summary>
/// P publishers, S subscribers, T topics over one transport. Subscriber i takes topic i mod T (or every
/// topic); publisher p sends its k-th message to topic (p + k) mod T, so every topic gets every publisher.
/// Closed loop keeps up to <see cref="BenchOptions.Window"/> publishes unacknowledged per publisher; rate
/// mode sends on a fixed schedule and stamps each payload with its <em>scheduled</em> time, so a generator
/// that falls behind shows up as latency instead of hiding it (no coordinated omission).
/// Timeline: connect and subscribe, warm-up (not measured), measured window, stop publishing, drain until every
/// expected delivery arrived (or the drain timeout), then count loss and duplicates over the whole run.
/// Over 400 lines because that timeline is one procedure whose phases share the run's counters; split, each phase
/// would take them all as arguments.
/// </summary>
internal static class FanoutScenario
{
    public static async Task<BenchReport> RunAsync(BenchOptions o, TextWriter? progress, CancellationToken cancellationToken)
    {
        var runId = Guid.NewGuid().ToString("N")[..8];
        var topics = Enumerable.Range(0, o.Topics).Select(k => $"bench-{runId}-{k}").ToArray();
        await using var transport = BenchTransports.Create(o);
        await transport.PrepareTopicsAsync(topics, cancellationToken);
        var clock = new RunClock();
        var subscribers = new SubscriberSlot[o.Subscribers + o.SseSubscribers + o.Stalled];
        var publishers = new PublisherSlot[o.Publishers];
        try
        {
            await ConnectSubscribersAsync(o, transport, topics, clock, subscribers, cancellationToken);
            for (var p = 0; p < publishers.Length; p++)
            {
                var window = new PublishWindow(o.Rate is null ? o.Window : Math.Max(o.Window, 10_000), clock);
                var client = await transport.ConnectPublisherAsync(new PublisherSpec(p, topics, o.PayloadBytes, window, SourceAddresses.For(0, o.PerSourceAddress)) { IdempotencyKeys = o.IdempotencyKeys }, cancellationToken);
                publishers[p] = new PublisherSlot(p, client, window, new long[o.Topics]);
            }

            return await MeasureAsync(o, transport.Name, clock, subscribers, publishers, progress, cancellationToken);
        }
        finally
        {
            await Task.WhenAll(
                subscribers.Where(s => s is not null).Select(s => s.Client.DisposeAsync().AsTask())
                    .Concat(publishers.Where(p => p is not null).Select(p => p.Client.DisposeAsync().AsTask())))
                .WaitAsync(TimeSpan.FromSeconds(15), CancellationToken.None).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            foreach (var p in publishers.Where(p => p is not null))
            {
                p.Window.Dispose();
            }

            using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await transport.CleanupTopicsAsync(topics, cleanup.Token);
        }
    }

    private static async Task ConnectSubscribersAsync(BenchOptions o, IBenchTransport transport, string[] topics, RunClock clock, SubscriberSlot[] slots, CancellationToken cancellationToken)
    {
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = o.Concurrency, CancellationToken = cancellationToken };
        await Parallel.ForEachAsync(Enumerable.Range(0, slots.Length), parallel, async (i, ct) =>
        {
            // Slots: the transport's subscribers, then the SSE ones, then the stalled ones (the transport's).
            var sse = i >= o.Subscribers && i < o.Subscribers + o.SseSubscribers;
            var stalled = i >= o.Subscribers + o.SseSubscribers;
            var mine = stalled ? [0] : o.AllTopics ? Enumerable.Range(0, o.Topics).ToArray() : [i % o.Topics];
            var tracker = new SubscriberTracker(o.Publishers, o.Topics, clock);
            var spec = new SubscriberSpec(i, mine.Select(k => topics[k]).ToArray(), SourceAddresses.For(i, o.PerSourceAddress), SmallSocketBuffer: stalled);
            var client = sse
                ? await SseSubscriber.ConnectAsync(BenchOptions.HttpBaseOf(o.AllUrls[i % o.AllUrls.Count]), spec, tracker, ct)
                : await transport.ConnectSubscriberAsync(spec, tracker, ct);
            slots[i] = new SubscriberSlot(tracker, client, mine, stalled, sse);
        });
    }

    private static async Task<BenchReport> MeasureAsync(
        BenchOptions o, string transportName, RunClock clock, SubscriberSlot[] subscribers, PublisherSlot[] publishers, TextWriter? progress, CancellationToken cancellationToken)
    {
        var server = o.ServerPid is { } pid ? new ProcessSampler(pid, o.MoreServerPids) : null;
        var store = o.StorePid is { } storePid ? new ProcessSampler(storePid, o.MoreStorePids) : null;
        var self = new ProcessSampler(null);
        var rssSeries = new List<double>();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        var loops = publishers.Select(p => Task.Run(() => PublishLoopAsync(o, p, clock, stop.Token), CancellationToken.None)).ToArray();
        using var monitorStop = new CancellationTokenSource();
        var monitor = MonitorAsync(o, subscribers, publishers, clock, server, rssSeries, progress, started, monitorStop.Token);

        await Task.Delay(o.Warmup, cancellationToken);
        var from = Stopwatch.GetTimestamp();
        clock.StartMeasuring(from);
        var serverStart = server is null ? (CpuMark?)null : CpuMark.Take(server);
        var storeStart = store is null ? (CpuMark?)null : CpuMark.Take(store);
        var selfStart = CpuMark.Take(self);
        var rssStart = server?.RssBytes() ?? 0;
        foreach (var s in subscribers.Where(s => s.Stalled))
        {
            s.Tracker.MarkPaused();
            s.Client.Pause();
        }

        await Task.Delay(o.Duration, cancellationToken);
        var to = Stopwatch.GetTimestamp();
        clock.StopMeasuring(to);
        var serverEnd = server is null ? (CpuMark?)null : CpuMark.Take(server);
        var storeEnd = store is null ? (CpuMark?)null : CpuMark.Take(store);
        var selfEnd = CpuMark.Take(self);
        var rssEnd = server?.RssBytes() ?? 0;
        var measuredSeconds = Stopwatch.GetElapsedTime(from, to).TotalSeconds;

        await stop.CancelAsync();
        await Task.WhenAll(loops);
        var drained = await DrainAsync(o, subscribers, publishers, cancellationToken);

        // The stalled subscribers read again: what they get now is what the server kept (and told) them.
        var stalled = subscribers.Where(s => s.Stalled).ToArray();
        foreach (var s in stalled)
        {
            s.Client.Resume();
        }

        if (stalled.Length > 0)
        {
            await WaitQuietAsync(() => stalled.Sum(s => s.Tracker.Received), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), cancellationToken);
        }

        await monitorStop.CancelAsync();
        await monitor;

        // ---- figures ----
        var live = subscribers.Where(s => !s.Stalled).ToArray();
        var latency = new LatencyHistogram();
        var sseLatency = new LatencyHistogram();
        foreach (var s in live)
        {
            (s.Sse ? sseLatency : latency).Add(s.Tracker.Latency);
        }

        long expected = 0, delivered = 0, lost = 0;
        foreach (var s in live)
        {
            var e = Expected(s, publishers);
            expected += e;
            delivered += s.Tracker.Unique;
            lost += Math.Max(0, e - s.Tracker.Unique);
        }

        var deliveredMeasured = live.Sum(s => s.Tracker.Measured);
        var publishedMeasured = publishers.Sum(p => p.SentMeasured);
        var report = new BenchReport
        {
            Scenario = o.Stalled > 0 ? "slowconsumer" : "fanout",
            Transport = transportName,
            Target = o.Transport == TransportKind.Redis ? $"redis://{o.Redis}" : string.Join(" ", o.AllUrls.Select(u => o.IsHub ? BenchOptions.HubUrlOf(u).ToString() : u.ToString())),
            Label = o.Label,
            IdempotencyKeys = o.IdempotencyKeys,
            Publishers = o.Publishers,
            Subscribers = o.Subscribers,
            Topics = o.Topics,
            PayloadBytes = o.PayloadBytes,
            Mode = o.Rate is null ? "closed-loop" : "rate",
            Window = o.Window,
            Rate = o.Rate,
            WarmupSeconds = o.Warmup.TotalSeconds,
            MeasuredSeconds = Math.Round(measuredSeconds, 3),
            Published = publishers.Sum(p => p.Sent),
            PublishesPerSec = Math.Round(publishedMeasured / measuredSeconds, 1),
            Expected = expected,
            Delivered = delivered,
            DeliveredMeasured = deliveredMeasured,
            DeliveriesPerSec = Math.Round(deliveredMeasured / measuredSeconds, 1),
            Lost = lost,
            Duplicated = live.Sum(s => s.Tracker.Duplicated),
            OutOfOrder = live.Sum(s => s.Tracker.OutOfOrder),
            Malformed = subscribers.Sum(s => s.Tracker.Malformed),
            PublishErrors = publishers.Sum(p => p.Window.Errors),
            LastError = publishers.Select(p => p.Window.LastError).Concat(live.Select(s => s.Tracker.LastError)).FirstOrDefault(e => e is not null)
                ?? (drained ? null : "drain timed out: some expected deliveries never arrived"),
            LatencyUs = LatencyFigures.From(latency),
            SseSubscribers = o.SseSubscribers > 0 ? o.SseSubscribers : null,
            SseLatencyUs = o.SseSubscribers > 0 ? LatencyFigures.From(sseLatency) : null,
            SseDeliveriesPerSec = o.SseSubscribers > 0 ? Math.Round(live.Where(s => s.Sse).Sum(s => s.Tracker.Measured) / measuredSeconds, 1) : null,
            AckLatencyUs = AckLatency(publishers),
            Bench = Figures(null, selfStart, selfEnd, deliveredMeasured, self.RssBytes(), self.RssBytes(), self.RssBytes()),
        };
        if (server is not null)
        {
            var max = rssSeries.Count == 0 ? rssEnd : (long)(rssSeries.Max() * 1024 * 1024);
            report.Server = Figures(server.Pid, serverStart!.Value, serverEnd!.Value, deliveredMeasured, rssStart, rssEnd, Math.Max(max, rssEnd));
        }

        if (store is not null)
        {
            report.Store = Figures(store.Pid, storeStart!.Value, storeEnd!.Value, deliveredMeasured, store.RssBytes(), store.RssBytes(), store.RssBytes());
            report.StoreCpuUsPerPublish = publishedMeasured > 0 ? Math.Round(report.Store.CpuSeconds * 1e6 / publishedMeasured, 2) : 0;
        }

        if (stalled.Length > 0)
        {
            var before = stalled.Sum(s => s.Tracker.ReceivedAtPause);
            report.Stalled = new StalledFigures(
                stalled.Length,
                before,
                stalled.Sum(s => s.Tracker.Received) - before,
                stalled.Sum(s => Expected(s, publishers)),
                stalled.Sum(s => s.Tracker.SlowConsumerNotices),
                stalled.Select(s => s.Tracker.LastError).FirstOrDefault(e => e is not null),
                stalled.Select(s => s.Tracker.ClosedReason).FirstOrDefault(e => e is not null),
                server is null ? null : rssSeries);
        }

        return report;
    }

    private static ProcessFigures Figures(int? pid, CpuMark start, CpuMark end, long deliveries, long rssStart, long rssEnd, long rssMax)
    {
        var cpu = end.CpuSecondsSince(start);
        return new ProcessFigures(
            pid,
            Math.Round(cpu, 3),
            Math.Round(end.CoresSince(start), 3),
            cpu > 0 ? Math.Round(deliveries / cpu) : 0,
            Mib(rssStart),
            Mib(rssEnd),
            Mib(rssMax));
    }

    private static LatencyFigures? AckLatency(PublisherSlot[] publishers)
    {
        var acks = new LatencyHistogram();
        foreach (var p in publishers)
        {
            acks.Add(p.Window.AckLatency);
        }

        return acks.Count == 0 ? null : LatencyFigures.From(acks);
    }

    private static double Mib(long bytes) => Math.Round(bytes / 1048576.0, 1);

    /// <summary>What subscriber <paramref name="s"/> should have received: everything published to its topics (it subscribed before any publish).</summary>
    private static long Expected(SubscriberSlot s, PublisherSlot[] publishers)
    {
        long sum = 0;
        foreach (var p in publishers)
        {
            foreach (var t in s.Topics)
            {
                sum += p.Counters[t];
            }
        }

        return sum;
    }

    private static async Task PublishLoopAsync(BenchOptions o, PublisherSlot p, RunClock clock, CancellationToken stop)
    {
        var topics = o.Topics;
        var perPublisher = o.Rate / o.Publishers;
        var ticksPerMessage = perPublisher is { } r ? Stopwatch.Frequency / r : 0;
        var start = Stopwatch.GetTimestamp();
        long k = 0;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                long stamp = 0;
                if (perPublisher is not null)
                {
                    var due = start + (long)(k * ticksPerMessage);
                    var now = Stopwatch.GetTimestamp();
                    if (now < due)
                    {
                        // Timers tick about once a millisecond: send what is due, then sleep to the next tick.
                        await Task.Delay(TimeSpan.FromMilliseconds(1), stop);
                        continue;
                    }

                    stamp = due;
                }

                await p.Window.WaitAsync(stop);
                var topic = (int)((p.Index + k) % topics);
                var counter = ++p.Counters[topic];
                await p.Client.SendAsync(topic, counter, stamp);
                p.Sent++;
                if (clock.InWindow(Stopwatch.GetTimestamp()))
                {
                    p.SentMeasured++;
                }

                k++;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception ex)
        {
            p.Window.Error($"publisher {p.Index} stopped: {ex.GetType().Name}: {ex.Message}");
        }
    }

    /// <summary>Waits for every publish to be acknowledged, then for every expected delivery; false when time ran out first.</summary>
    private static async Task<bool> DrainAsync(BenchOptions o, SubscriberSlot[] subscribers, PublisherSlot[] publishers, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(o.DrainTimeout.TotalSeconds * Stopwatch.Frequency);
        while (publishers.Any(p => p.Window.InFlight > 0) && Stopwatch.GetTimestamp() < deadline)
        {
            await Task.Delay(10, cancellationToken);
        }

        var live = subscribers.Where(s => !s.Stalled).ToArray();
        var expected = live.Sum(s => Expected(s, publishers));
        long last = -1;
        var lastChange = Stopwatch.GetTimestamp();
        while (Stopwatch.GetTimestamp() < deadline)
        {
            var got = live.Sum(s => s.Tracker.Unique);
            if (got >= expected)
            {
                return true;
            }

            if (got != last)
            {
                last = got;
                lastChange = Stopwatch.GetTimestamp();
            }
            else if (Stopwatch.GetElapsedTime(lastChange) > TimeSpan.FromSeconds(3))
            {
                return false; // nothing moved for 3 s: what is missing is lost
            }

            await Task.Delay(10, cancellationToken);
        }

        return false;
    }

    private static async Task WaitQuietAsync(Func<long> counter, TimeSpan quiet, TimeSpan max, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var last = counter();
        var lastChange = start;
        while (Stopwatch.GetElapsedTime(start) < max && Stopwatch.GetElapsedTime(lastChange) < quiet)
        {
            await Task.Delay(50, cancellationToken);
            var now = counter();
            if (now != last)
            {
                last = now;
                lastChange = Stopwatch.GetTimestamp();
            }
        }
    }

    private static async Task MonitorAsync(
        BenchOptions o, SubscriberSlot[] subscribers, PublisherSlot[] publishers, RunClock clock, ProcessSampler? server, List<double> rssSeries,
        TextWriter? progress, long started, CancellationToken stop)
    {
        long lastDelivered = 0, lastSent = 0;
        var lastCpu = server is null ? (CpuMark?)null : CpuMark.Take(server);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                var rss = server?.RssBytes() ?? 0;
                if (server is not null)
                {
                    rssSeries.Add(Mib(rss));
                }

                if (progress is null)
                {
                    continue;
                }

                var delivered = subscribers.Sum(s => s.Tracker.Received);
                var sent = publishers.Sum(p => p.Sent);
                var phase = clock.MeasureFrom == long.MaxValue ? "warm-up" : clock.InWindow(Stopwatch.GetTimestamp()) ? "measure" : "drain";
                var cpu = "";
                if (server is not null)
                {
                    var now = CpuMark.Take(server);
                    cpu = string.Create(CultureInfo.InvariantCulture, $"  server {now.CoresSince(lastCpu!.Value):0.00} cores {Mib(rss):0} MiB");
                    lastCpu = now;
                }

                await progress.WriteLineAsync(string.Create(
                    CultureInfo.InvariantCulture,
                    $"[{Stopwatch.GetElapsedTime(started).TotalSeconds,5:0.0}s] {phase,-7} publishes/s {sent - lastSent,9:N0}  deliveries/s {delivered - lastDelivered,11:N0}{cpu}"));
                lastDelivered = delivered;
                lastSent = sent;
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed record SubscriberSlot(SubscriberTracker Tracker, IBenchSubscriber Client, int[] Topics, bool Stalled, bool Sse = false);

    private sealed class PublisherSlot(int index, IBenchPublisher client, PublishWindow window, long[] counters)
    {
        public int Index { get; } = index;

        public IBenchPublisher Client { get; } = client;

        public PublishWindow Window { get; } = window;

        /// <summary>Messages sent per topic: the last counter used on each (publisher, topic) stream.</summary>
        public long[] Counters { get; } = counters;

        public long Sent { get; set; }

        public long SentMeasured { get; set; }
    }
}
