using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace PubSub.Core.Cluster;

/// <summary>
/// This node as a member of the broker's cluster (PROTOCOL.md §8): it reports its figures to the others every
/// <see cref="ClusterOptions.ReportInterval"/> (and soon after they change), keeps theirs for cluster-wide counts, lists
/// every node's connections and subscribers, and closes a connection wherever it lives. Without an
/// <see cref="IClusterBus"/> (the in-memory engine) it is a cluster of one and every call answers for this node alone.
/// </summary>
public sealed partial class ClusterNode
{
    // Soonest a change of this node's figures is reported after the last report: bounds the writes under churn.
    private static readonly TimeSpan MinReportGap = TimeSpan.FromMilliseconds(200);

    private readonly PubSubBroker _broker;
    private readonly ClusterFigures _figures;
    private readonly ClusterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterNode> _logger;
    private readonly IClusterBus? _bus;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _storeAway;
    private volatile bool _registered;
    private int _clashes; // consecutive rounds whose overwritten report was another process's

    internal ClusterNode(PubSubBroker broker, ClusterFigures figures, IOptions<PubSubOptions> options, TimeProvider time, ILogger<ClusterNode> logger, IClusterBus? bus)
    {
        _broker = broker;
        _figures = figures;
        _options = options.Value.Cluster;
        _time = time;
        _logger = logger;
        _bus = bus;
        broker.LocalFiguresChanged += () => Volatile.Read(ref _wake).TrySetResult();
    }

    /// <summary>This node's id.</summary>
    public string Id => _broker.Node.Id;

    /// <summary>True when nodes share a store (the Redis engine); false for a cluster of one.</summary>
    public bool IsShared => _bus is not null;

    /// <summary>Raised when what is known of the other nodes changed. Handlers must not block.</summary>
    public event Action? Changed
    {
        add => _figures.Changed += value;
        remove => _figures.Changed -= value;
    }

    /// <summary>
    /// True once the cluster lists this node with its address: a report carrying it was stored. Always true for a cluster
    /// of one. Readiness waits for it (<c>/health/ready</c>), so a node takes traffic only once the others can find it.
    /// </summary>
    public bool IsRegistered => _bus is null || _registered;

    /// <summary>Every live node, this one with its figures of now, by id.</summary>
    public IReadOnlyList<NodeReport> Nodes =>
        [.. Fresh(_figures.Others).Append(_broker.LocalReport()).OrderBy(n => n.Id, StringComparer.Ordinal)];

    // ---- reading the cluster ----

    /// <summary><see cref="Nodes"/> read from the store now: a node that joined since this node's last round is in it.</summary>
    public async ValueTask<IReadOnlyList<NodeReport>> ListNodesAsync(CancellationToken cancellationToken = default)
    {
        await RefreshAsync(cancellationToken);
        return Nodes;
    }

    /// <summary>Every node's connections: this node's at once, the others' by asking them (in parallel, bounded by <see cref="ClusterOptions.RequestTimeout"/>).</summary>
    public ValueTask<ClusterList<ConnectionDetails>> ListConnectionsAsync(CancellationToken cancellationToken = default) =>
        GatherAsync(_broker.DescribeConnections(), new ClusterRequest("connections"), ClusterJson.Default.ListConnectionDetails, cancellationToken);

    /// <summary>Every node's subscriptions to <paramref name="topic"/>.</summary>
    public ValueTask<ClusterList<SubscriberInfo>> ListSubscribersAsync(string topic, CancellationToken cancellationToken = default) =>
        GatherAsync(_broker.GetSubscribers(topic), new ClusterRequest("subscribers", Topic: topic), ClusterJson.Default.ListSubscriberInfo, cancellationToken);

    /// <summary>
    /// Closes the connection <paramref name="connectionId"/> on whichever node holds it: the client is told
    /// <paramref name="reason"/> (<c>info disconnected</c>), then closed. False when no node has it. Throws
    /// <see cref="PubSubException"/> (Unavailable) when its node cannot be asked.
    /// </summary>
    public async ValueTask<bool> DisconnectAsync(string connectionId, string reason, CancellationToken cancellationToken = default)
    {
        if (CloseLocal(connectionId, reason))
        {
            return true;
        }

        var answer = await AskOwnerAsync(connectionId, new ClusterRequest("disconnect", connectionId, reason), cancellationToken);
        return answer is not null && JsonSerializer.Deserialize(answer, ClusterJson.Default.DisconnectAnswer)?.Found == true;
    }

    /// <summary>
    /// The connection <paramref name="connectionId"/> as its node has it now (asking only that node), or null when no
    /// node has it. Throws <see cref="PubSubException"/> (Unavailable) when its node cannot be asked.
    /// </summary>
    public async ValueTask<ConnectionDetails?> FindConnectionAsync(string connectionId, CancellationToken cancellationToken = default)
    {
        if (_broker.DescribeConnection(connectionId) is { } local)
        {
            return local;
        }

        var answer = await AskOwnerAsync(connectionId, new ClusterRequest("connection", connectionId), cancellationToken);
        return answer is null ? null : JsonSerializer.Deserialize(answer, ClusterJson.Default.ListConnectionDetails)?.FirstOrDefault();
    }

    // Sends a request about a connection to the node its id names; null when that node is not there (or is this one).
    private async ValueTask<byte[]?> AskOwnerAsync(string connectionId, ClusterRequest request, CancellationToken cancellationToken)
    {
        if (_bus is null || NodeIdentity.NodeOf(connectionId) is not { } node || node == Id)
        {
            return null;
        }

        var answer = await _bus.RequestAsync(node, JsonSerializer.SerializeToUtf8Bytes(request, ClusterJson.Default.ClusterRequest), _options.RequestTimeout, cancellationToken);

        // Nobody listens for that node. Gone, unless it reported lately: then it is re-subscribing (Redis came back).
        return answer is null && Fresh(_figures.Others).Any(n => n.Id == node)
            ? throw new PubSubException(PubSubErrorCode.Unavailable, $"node {node} is not listening for requests right now; try again")
            : answer;
    }

    private async ValueTask<ClusterList<T>> GatherAsync<T>(IReadOnlyList<T> local, ClusterRequest request, System.Text.Json.Serialization.Metadata.JsonTypeInfo<List<T>> type, CancellationToken cancellationToken)
    {
        // Every node the store knows now is asked, and named in Unanswered when it is silent: a node that joined since
        // this node's last round is registered already (it joins before it serves), so none is left out unnamed.
        await RefreshAsync(cancellationToken);
        var others = Fresh(_figures.Others).Select(n => n.Id).ToList();
        if (_bus is null || others.Count == 0)
        {
            return new ClusterList<T>(local, []);
        }

        var bytes = JsonSerializer.SerializeToUtf8Bytes(request, ClusterJson.Default.ClusterRequest);
        var answers = await Task.WhenAll(others.Select(async node =>
        {
            try
            {
                // No listener: the node is between its report and its (re-)subscription; it did not answer.
                var answer = await _bus.RequestAsync(node, bytes, _options.RequestTimeout, cancellationToken);
                return (node, Items: answer is null ? [] : JsonSerializer.Deserialize(answer, type) ?? [], Answered: answer is not null);
            }
            catch (PubSubException ex) when (ex.Code == PubSubErrorCode.Unavailable)
            {
                Log.NodeDidNotAnswer(_logger, node, request.Op, ex.Message);
                return (node, Items: new List<T>(), Answered: false);
            }
        }));

        return new ClusterList<T>(
            [.. local, .. answers.SelectMany(a => a.Items)],
            [.. answers.Where(a => !a.Answered).Select(a => a.node)]);
    }

    // A node whose report is older than the timeout is gone, even while this node cannot reach the store to learn it.
    private IEnumerable<NodeReport> Fresh(IEnumerable<NodeReport> nodes)
    {
        var oldest = _time.GetUtcNow() - _options.NodeTimeout;
        return nodes.Where(n => n.LastSeen > oldest && n.Id != Id);
    }

    // ---- answering the others ----

    private ValueTask<byte[]> HandleAsync(byte[] bytes)
    {
        var request = JsonSerializer.Deserialize(bytes, ClusterJson.Default.ClusterRequest);
        byte[] answer = request?.Op switch
        {
            "connections" => JsonSerializer.SerializeToUtf8Bytes([.. _broker.DescribeConnections()], ClusterJson.Default.ListConnectionDetails),
            "connection" when request.Connection is { } id => JsonSerializer.SerializeToUtf8Bytes(_broker.DescribeConnection(id) is { } found ? [found] : [], ClusterJson.Default.ListConnectionDetails),
            "subscribers" when request.Topic is { } topic => JsonSerializer.SerializeToUtf8Bytes([.. _broker.GetSubscribers(topic)], ClusterJson.Default.ListSubscriberInfo),
            "disconnect" when request.Connection is { } id => JsonSerializer.SerializeToUtf8Bytes(new DisconnectAnswer(CloseLocal(id, request.Reason)), ClusterJson.Default.DisconnectAnswer),
            _ => [],
        };
        return ValueTask.FromResult(answer);
    }

    private bool CloseLocal(string id, string? reason)
    {
        var closed = _broker.CloseConnection(id, reason ?? "closed by an operator");
        if (closed)
        {
            Log.Disconnected(_logger, id, reason ?? "");
        }

        return closed;
    }

    // ---- reporting ----

    /// <summary>
    /// Joins the cluster before the host serves (<see cref="Hosting.ClusterReporter"/> runs it in its start): answers
    /// requests from now on and stores a first report, so a node that takes requests is listed by every node. Its
    /// address follows as soon as the host listens (<see cref="ReportNowAsync"/>).
    /// </summary>
    internal async Task JoinAsync(CancellationToken cancellationToken)
    {
        Log.Joining(_logger, Id, _broker.Node.Generated ? "generated: set PubSub:Cluster:NodeId to choose it" : "PubSub:Cluster:NodeId", _bus is null ? "in-memory engine, a cluster of one" : "Redis engine");
        if (_bus is null)
        {
            return;
        }

        _bus.Listen(Id, HandleAsync);
        await ReportOnceAsync(cancellationToken);
    }

    /// <summary>Reports until <paramref name="stopping"/>, then leaves the cluster. Run by <see cref="Hosting.ClusterReporter"/> after <see cref="JoinAsync"/>.</summary>
    internal async Task RunAsync(CancellationToken stopping)
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

    /// <summary>A report round now, outside the schedule: when the host has learned this node's address.</summary>
    public Task ReportNowAsync(CancellationToken cancellationToken = default) => RefreshAsync(cancellationToken);

    // A round on demand, for a list that must know every node there is now; nothing to do for a cluster of one. It may
    // run beside a scheduled round: each only writes this node's report of now and reads the others'.
    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        if (_bus is not null)
        {
            await ReportOnceAsync(cancellationToken);
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
            _figures.Set([.. Fresh(_figures.Others)]);
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
        [LoggerMessage(601, LogLevel.Information, "Connection {ConnectionId} closed by an operator: {Reason}")]
        public static partial void Disconnected(ILogger logger, string connectionId, string reason);

        [LoggerMessage(602, LogLevel.Warning, "Node {NodeId} cannot report to the cluster: {Why}; counts from other nodes age out")]
        public static partial void ReportFailed(ILogger logger, string nodeId, string why);

        [LoggerMessage(603, LogLevel.Information, "Node {NodeId} reports to the cluster again ({Nodes} nodes)")]
        public static partial void ReportingResumed(ILogger logger, string nodeId, int nodes);

        [LoggerMessage(605, LogLevel.Error, "Another running node reports as {NodeId}: their figures overwrite each other and connections may be closed on the wrong one. Give each node its own PubSub:Cluster:NodeId")]
        public static partial void NodeIdTaken(ILogger logger, string nodeId);

        [LoggerMessage(606, LogLevel.Information, "Node {NodeId} starting (id {Source}; {Engine})")]
        public static partial void Joining(ILogger logger, string nodeId, string source, string engine);

        [LoggerMessage(604, LogLevel.Warning, "Node {NodeId} did not answer '{Op}': {Why}")]
        public static partial void NodeDidNotAnswer(ILogger logger, string nodeId, string op, string why);
    }
}
