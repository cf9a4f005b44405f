using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PubSub.Core;

namespace PubSub.Dashboard.Services;

/// <summary>Samples the broker's counters once a second into <see cref="RateHistory"/>, whether or not a dashboard is open.</summary>
internal sealed partial class RateSampler(PubSubBroker broker, RateHistory history, TimeProvider time, ILogger<RateSampler> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
            {
                try
                {
                    history.Add(await broker.GetCachedStatsAsync(stoppingToken), time.GetUtcNow());
                }
                catch (PubSubException ex) when (ex.Code == PubSubErrorCode.Unavailable)
                {
                    // The Redis engine's store is away: the engine has logged it; one line a second here would only repeat it.
                    Log.SampleSkipped(logger, ex.Message);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.SampleFailed(logger, ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException)
        {
            // Host stopping.
        }
    }

    private static partial class Log
    {
        [LoggerMessage(801, LogLevel.Warning, "Sampling the broker's rates failed")]
        public static partial void SampleFailed(ILogger logger, Exception exception);

        [LoggerMessage(802, LogLevel.Debug, "Rate sample skipped: {Reason}")]
        public static partial void SampleSkipped(ILogger logger, string reason);
    }
}
