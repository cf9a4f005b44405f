using System.Collections.Concurrent;
using System.Diagnostics;
using PubSub.Bench.Cli;
using PubSub.Bench.Measurement;
using PubSub.Bench.Transports;

namespace PubSub.Bench.Scenarios;

/// <summary>
/// N idle subscribed connections: how long they take to open and subscribe, what each costs the server in
/// resident memory (RSS after minus RSS before, over N, after a short settle), and whether one publish
/// then reaches every one of them. Past <see cref="BenchOptions.PerSourceAddress"/> connections the client
/// binds the next 127.0.0.x source address.
/// </summary>
internal static class ConnectionsScenario
{
    public static async Task<BenchReport> RunAsync(BenchOptions o, TextWriter? progress, CancellationToken cancellationToken)
    {
        var topic = $"bench-{Guid.NewGuid().ToString("N")[..8]}-idle";
        var topics = new[] { topic };
        await using var transport = BenchTransports.Create(o);
        await transport.PrepareTopicsAsync(topics, cancellationToken);
        var server = o.ServerPid is { } pid ? new ProcessSampler(pid) : null;
        var sink = new CountingSink();
        var clients = new ConcurrentBag<IBenchSubscriber>();
        var failed = 0;
        string? firstError = null;
        IBenchPublisher? publisher = null;
        using var window = new PublishWindow(1);
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            var rssBefore = server?.RssBytes() ?? 0;
            var started = Stopwatch.GetTimestamp();
            var parallel = new ParallelOptions { MaxDegreeOfParallelism = o.Concurrency, CancellationToken = cancellationToken };
            using var progressStop = new CancellationTokenSource();
            var monitor = ReportProgressAsync(progress, clients, () => failed, o.Count, progressStop.Token);
            await Parallel.ForEachAsync(Enumerable.Range(0, o.Count), parallel, async (i, ct) =>
            {
                try
                {
                    var spec = new SubscriberSpec(i, topics, SourceAddresses.For(i, o.PerSourceAddress), ReceiveBufferBytes: 2048);
                    clients.Add(await transport.ConnectSubscriberAsync(spec, sink, ct));
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    Interlocked.Increment(ref failed);
                    Interlocked.CompareExchange(ref firstError, $"{ex.GetType().Name}: {ex.Message}", null);
                }
            });
            var establish = Stopwatch.GetElapsedTime(started).TotalSeconds;
            await progressStop.CancelAsync();
            await monitor;

            // Let the server's allocations settle (pooled buffers returned, a GC) before reading its RSS.
            await Task.Delay(o.Hold, cancellationToken);
            var rssAfter = server?.RssBytes() ?? 0;

            // One publish must reach every idle connection.
            publisher = await transport.ConnectPublisherAsync(new PublisherSpec(0, topics, 256, window, null), cancellationToken);
            var sent = Stopwatch.GetTimestamp();
            await window.WaitAsync(cancellationToken);
            await publisher.SendAsync(0, 1);
            var target = clients.Count;
            while (sink.Events < target && Stopwatch.GetElapsedTime(sent) < TimeSpan.FromSeconds(15))
            {
                await Task.Delay(5, cancellationToken);
            }

            var fanoutMs = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
            var established = clients.Count;
            return new BenchReport
            {
                Scenario = "connections",
                Transport = transport.Name,
                Target = o.Transport == TransportKind.Redis ? $"redis://{o.Redis}" : o.IsHub ? o.HubUrl.ToString() : o.Url.ToString(),
                Label = o.Label,
                Subscribers = o.Count,
                Topics = 1,
                Connections = new ConnectionFigures(
                    o.Count,
                    established,
                    failed,
                    firstError,
                    Math.Round(establish, 3),
                    Math.Round(established / establish),
                    o.PerSourceAddress > 0 ? 1 + ((o.Count - 1) / o.PerSourceAddress) : 1,
                    Math.Round(rssBefore / 1048576.0, 1),
                    Math.Round(rssAfter / 1048576.0, 1),
                    established > 0 && server is not null ? Math.Round((rssAfter - rssBefore) / 1024.0 / established, 2) : 0,
                    sink.Events,
                    Math.Round(fanoutMs, 1)),
            };
        }
        finally
        {
            if (publisher is not null)
            {
                await publisher.DisposeAsync();
            }

            var parallel = new ParallelOptions { MaxDegreeOfParallelism = o.Concurrency };
            await Parallel.ForEachAsync(clients, parallel, async (c, _) => await c.DisposeAsync());
            using var cleanup = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await transport.CleanupTopicsAsync(topics, cleanup.Token);
        }
    }

    private static async Task ReportProgressAsync(TextWriter? progress, ConcurrentBag<IBenchSubscriber> clients, Func<int> failed, int count, CancellationToken stop)
    {
        if (progress is null)
        {
            return;
        }

        var started = Stopwatch.GetTimestamp();
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                await progress.WriteLineAsync(FormattableString.Invariant($"[{Stopwatch.GetElapsedTime(started).TotalSeconds,5:0.0}s] connected {clients.Count,7:N0} of {count:N0}, failed {failed():N0}"));
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
