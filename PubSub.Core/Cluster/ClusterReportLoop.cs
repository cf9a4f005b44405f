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
    private volatile bool _registered;
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

    /// <summary>
    /// True once the cluster lists this node with its address: a report carrying it was stored. Always true for a cluster
    /// of one. Readiness waits for it (<c>/health/ready</c>), so a node takes traffic only once the others can find it.
    /// </summary>
    public bool IsRegistered => _bus is null || _registered;

    /// <summary>
    /// Joins the cluster before the host serves (<see cref="Hosting.ClusterReporter"/> runs it in its start, after the
    /// request server started listening): stores a first report, so a node that takes requests is listed by every node.
    /// Its address follows as soon as the host listens (<see cref="RefreshAsync"/>).
    /// </summary>
    public async Task JoinAsync(CancellationToken cancellationToken)
    {
        Log.Joining(_logger, Id, _broker.Node.Generated ? "generated: set PubSub:Cluster:NodeId to choose it" : "PubSub:Cluster:NodeId", _bus is null ? "in-memory engine, a cluster of one" : "Redis engine");
        await RefreshAsync(cancellationToken);
    }

    /// <summary>
    /// A report round now, outside the schedule: when the host has learned this node's address, or for a list that must
    /// know every node there is now; nothing to do for a cluster of one. It may run beside a scheduled round: each only
    /// writes this node's report of now and reads the others'.
    /// </summary>
    public async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (_bus is not null)
        {
            await ReportOnceAsync(cancellationToken);
        }
    }

    /// <summary>Reports until <paramref name="stopping"/>, then leaves the cluster. Run after <see cref="JoinAsync"/>.</summary>
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
            var report = _broker.LocalReport();
            var round = await _bus!.ReportAsync(report, _options.NodeTimeout, cancellationToken);
            var nodes = round.Nodes;
            _figures.Set([.. nodes.Where(n => n.Id != Id)]);
            if (report.Address is not null)
            {
                _registered = true;
            }

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

        [LoggerMessage(606, LogLevel.Information, "Node {NodeId} starting (id {Source}; {Engine})")]
        public static partial void Joining(ILogger logger, string nodeId, string source, string engine);
    }
}
