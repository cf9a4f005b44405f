using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PubSub.Core.Cluster;

/// <summary>
/// This node's part in the cluster's counts (PROTOCOL.md §8): it reports its figures every
/// <see cref="ClusterOptions.ReportInterval"/> (and soon after they change), takes in the other nodes' reports
/// (<see cref="ClusterFigures"/>), and leaves the cluster on stop. Run by <see cref="Hosting.ClusterReporter"/>.
/// </summary>
internal sealed partial class ClusterReportLoop
{
    // Soonest a change of this node's figures is reported after the last report: bounds the writes under churn.
    private static readonly TimeSpan MinReportGap = TimeSpan.FromMilliseconds(200);

    private readonly PubSubBroker _broker;
    private readonly ClusterFigures _figures;
    private readonly ClusterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterReportLoop> _logger;
    private readonly IClusterBus? _bus;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _storeAway;
    private int _clashes; // consecutive rounds whose overwritten report was another process's

    public ClusterReportLoop(PubSubBroker broker, ClusterFigures figures, IOptions<PubSubOptions> options, TimeProvider time, ILogger<ClusterReportLoop> logger, IClusterBus? bus)
    {
        _broker = broker;
        _figures = figures;
        _options = options.Value.Cluster;
        _time = time;
        _logger = logger;
        _bus = bus;
        broker.LocalFiguresChanged += () => Volatile.Read(ref _wake).TrySetResult();
    }

    private string Id => _broker.Node.Id;

    /// <summary>Reports until <paramref name="stopping"/>, then leaves the cluster.</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        if (_bus is null)
        {
            return;
        }

        while (!stopping.IsCancellationRequested)
        {
            // Changes from here on wake the next round early.
            Volatile.Write(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            await ReportOnceAsync(stopping);
            try
            {
                await Task.Delay(MinReportGap, _time, stopping);
                await Task.WhenAny(Task.Delay(_options.ReportInterval - MinReportGap, _time, stopping), Volatile.Read(ref _wake).Task);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        try
        {
            await _bus.LeaveAsync(Id, CancellationToken.None).AsTask().WaitAsync(_options.RequestTimeout, CancellationToken.None);
        }
        catch (Exception ex) when (ex is PubSubException or TimeoutException)
        {
            // It ages out instead.
        }
    }

    /// <summary>One report round: this node's figures out, the others' in.</summary>
    internal async Task ReportOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var round = await _bus!.ReportAsync(_broker.LocalReport(), _options.NodeTimeout, cancellationToken);
            var nodes = round.Nodes;
            _figures.Set([.. nodes.Where(n => n.Id != Id)]);

            // Once can be this node's own previous process (restarted before its report expired); twice running is
            // another process reporting under the same id, and their figures overwrite each other.
            _clashes = round.ReplacedAnother ? _clashes + 1 : 0;
            if (_clashes == 2)
            {
                Log.NodeIdTaken(_logger, Id);
            }

            if (_storeAway)
            {
                _storeAway = false;
                Log.ReportingResumed(_logger, Id, nodes.Count);
            }
        }
        catch (PubSubException ex) when (ex.Code == PubSubErrorCode.Unavailable)
        {
            // Keep what is known of the others until it is too old to count.
            _figures.Set([.. _figures.Fresh(Id, _time.GetUtcNow(), _options.NodeTimeout)]);
            if (!_storeAway)
            {
                _storeAway = true;
                Log.ReportFailed(_logger, Id, ex.Message);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static partial class Log
    {
        [LoggerMessage(602, LogLevel.Warning, "Node {NodeId} cannot report to the cluster: {Why}; counts from other nodes age out")]
        public static partial void ReportFailed(ILogger logger, string nodeId, string why);

        [LoggerMessage(603, LogLevel.Information, "Node {NodeId} reports to the cluster again ({Nodes} nodes)")]
        public static partial void ReportingResumed(ILogger logger, string nodeId, int nodes);

        [LoggerMessage(605, LogLevel.Error, "Another running node reports as {NodeId}: their figures overwrite each other and connections may be closed on the wrong one. Give each node its own PubSub:Cluster:NodeId")]
        public static partial void NodeIdTaken(ILogger logger, string nodeId);
    }
}
