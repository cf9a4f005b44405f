using System.Globalization;
using System.Security.Claims;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PubSub.Core.Access;
using PubSub.Core.Delivery;

namespace PubSub.Core.Cluster;

/// <summary>
/// The cluster as the doors (REST, the dashboard) ask it (PROTOCOL.md §8): every live node, every node's connections a
/// page at a time, every node's subscribers of a topic, and closing a connection wherever it lives. This node answers
/// for itself at once and asks the others over the <see cref="IClusterBus"/>; the others' answers come from their
/// <see cref="ClusterRequestServer"/>, and what is known of them from the <see cref="ClusterReportLoop"/>. Without a bus
/// (the in-memory engine) it is a cluster of one.
/// </summary>
public sealed partial class ClusterNode
{
    /// <summary>The page size of <see cref="ListConnectionsAsync"/> when none is asked for.</summary>
    public const int DefaultPageSize = 100;

    /// <summary>The largest page of <see cref="ListConnectionsAsync"/>: what bounds one node's answer.</summary>
    public const int MaxPageSize = 1000;

    private readonly PubSubBroker _broker;
    private readonly ClusterFigures _figures;
    private readonly ClusterOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<ClusterNode> _logger;
    private readonly IClusterBus? _bus;
    private readonly ClusterReportLoop _reports;

    internal ClusterNode(PubSubBroker broker, ClusterFigures figures, IOptions<PubSubOptions> options, TimeProvider time, ILogger<ClusterNode> logger, IClusterBus? bus, ClusterReportLoop reports)
    {
        _reports = reports;
        _broker = broker;
        _figures = figures;
        _options = options.Value.Cluster;
        _time = time;
        _logger = logger;
        _bus = bus;
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
    /// True once the cluster lists this node with its address. Always true for a cluster of one. Readiness waits for it
    /// (<c>/health/ready</c>), so a node takes traffic only once the others can find it.
    /// </summary>
    public bool IsRegistered => _reports.IsRegistered;

    /// <summary>The host reports where this node listens (shown in <c>/api/nodes/</c>); <see cref="ClusterOptions.Address"/>, when set, wins.</summary>
    public void ReportListening(string address) => _broker.Node.ReportListening(address);

    /// <summary>A report round now, outside the schedule: when the host has learned this node's address.</summary>
    public Task ReportNowAsync(CancellationToken cancellationToken = default) => _reports.RefreshAsync(cancellationToken);

    /// <summary><see cref="Nodes"/> read from the store now: a node that joined since this node's last round is in it.</summary>
    public async ValueTask<IReadOnlyList<NodeReport>> ListNodesAsync(CancellationToken cancellationToken = default)
    {
        await _reports.RefreshAsync(cancellationToken);
        return Nodes;
    }

    /// <summary>Every live node, this one with its figures of now, by id.</summary>
    public IReadOnlyList<NodeReport> Nodes =>
        [.. _figures.Fresh(Id, _time.GetUtcNow(), _options.NodeTimeout).Append(_broker.LocalReport()).OrderBy(n => n.Id, StringComparer.Ordinal)];

    /// <summary>
    /// A page of the cluster's connections as <paramref name="user"/>'s key may see them (PROTOCOL.md §4): node by node in
    /// id order, each node's in the order they opened, at most <paramref name="limit"/> (1 to <see cref="MaxPageSize"/>),
    /// starting where <paramref name="cursor"/> (a previous page's <see cref="ClusterList{T}.NextCursor"/>) says. Each
    /// node applies the key's scope to its own connections, so nothing it may not see leaves that node. Throws
    /// <see cref="PubSubException"/> (BadRequest) for a cursor this server did not write.
    /// </summary>
    public async ValueTask<ClusterList<ConnectionDetails>> ListConnectionsAsync(ClaimsPrincipal? user, int limit = DefaultPageSize, string? cursor = null, CancellationToken cancellationToken = default)
    {
        if (limit is < 1 or > MaxPageSize)
        {
            throw PubSubException.BadRequest($"limit must be between 1 and {MaxPageSize}");
        }

        var (startNode, after) = ParseCursor(cursor);

        // Every node the store knows now is asked, and named in Unanswered when it is silent: a node that joined since
        // this node's last round is registered already (it joins before it serves), so none is left out unnamed.
        await _reports.RefreshAsync(cancellationToken);
        var nodes = _figures.Fresh(Id, _time.GetUtcNow(), _options.NodeTimeout).Select(n => n.Id).Append(Id).Order(StringComparer.Ordinal)
            .Where(n => startNode is null || string.CompareOrdinal(n, startNode) >= 0).ToList();
        var items = new List<ConnectionDetails>();
        var unanswered = new List<string>();
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i];
            var from = node == startNode ? after : 0;
            var page = node == Id
                ? _broker.DescribeConnections(user, from, limit - items.Count)
                : await AskPageAsync(node, new ClusterRequest("connections", Key: IPubSubAuthorizer.KeyIdOf(user), After: from, Limit: limit - items.Count), cancellationToken);
            if (page is null)
            {
                unanswered.Add(node);
                continue;
            }

            items.AddRange(page.Items);
            if (page.More || (items.Count == limit && i + 1 < nodes.Count))
            {
                return new ClusterList<ConnectionDetails>(items, unanswered, Cursor(node, page.Last));
            }
        }

        return new ClusterList<ConnectionDetails>(items, unanswered);
    }

    /// <summary>Every node's subscriptions to <paramref name="topic"/> (the caller has <c>read</c> on it).</summary>
    public async ValueTask<ClusterList<SubscriberInfo>> ListSubscribersAsync(string topic, CancellationToken cancellationToken = default)
    {
        await _reports.RefreshAsync(cancellationToken);
        var local = _broker.GetSubscribers(topic);
        var others = _figures.Fresh(Id, _time.GetUtcNow(), _options.NodeTimeout).Select(n => n.Id).ToList();
        if (_bus is null || others.Count == 0)
        {
            return new ClusterList<SubscriberInfo>(local, []);
        }

        var request = new ClusterRequest("subscribers", Topic: topic);
        var answers = await Task.WhenAll(others.Select(async node =>
        {
            var answer = await TryAskAsync(node, request, cancellationToken);
            return (node, Items: answer is null ? [] : JsonSerializer.Deserialize(answer, ClusterJson.Default.ListSubscriberInfo) ?? [], Answered: answer is not null);
        }));

        return new ClusterList<SubscriberInfo>(
            [.. local, .. answers.SelectMany(a => a.Items)],
            [.. answers.Where(a => !a.Answered).Select(a => a.node)]);
    }

    /// <summary>
    /// Closes the connection <paramref name="connectionId"/> on whichever node holds it, if <paramref name="user"/>'s key
    /// may close it as it is there and then (decided by that node, atomically with the close): the client is told
    /// <paramref name="reason"/> (<c>info disconnected</c>), then closed. False when no node has it (or none the key may
    /// see). Throws <see cref="PubSubException"/>: Forbidden when the key may not manage every topic it is subscribed to
    /// (nothing was done), Unavailable when its node cannot be asked.
    /// </summary>
    public async ValueTask<bool> DisconnectAsync(string connectionId, string reason, ClaimsPrincipal? user, CancellationToken cancellationToken = default)
    {
        if (_bus is null || NodeIdentity.NodeOf(connectionId) is not { } node || node == Id)
        {
            return _broker.CloseConnection(connectionId, reason, user);
        }

        var answer = await _bus.RequestAsync(node, Encode(new ClusterRequest("disconnect", connectionId, reason, Key: IPubSubAuthorizer.KeyIdOf(user))), _options.RequestTimeout, cancellationToken);
        if (answer is null)
        {
            // Nobody listens for that node. Gone, unless it reported lately: then it is re-subscribing (Redis came back).
            return _figures.Fresh(Id, _time.GetUtcNow(), _options.NodeTimeout).Any(n => n.Id == node)
                ? throw new PubSubException(PubSubErrorCode.Unavailable, $"node {node} is not listening for requests right now; try again")
                : false;
        }

        return PubSubBroker.Closed(JsonSerializer.Deserialize(answer, ClusterJson.Default.DisconnectAnswer)?.Outcome ?? CloseOutcome.NotFound);
    }

    // One page of a node's connections; null when it did not answer (not listening, or too slow).
    private async ValueTask<ConnectionPage?> AskPageAsync(string node, ClusterRequest request, CancellationToken cancellationToken) =>
        await TryAskAsync(node, request, cancellationToken) is { } answer ? JsonSerializer.Deserialize(answer, ClusterJson.Default.ConnectionPage) : null;

    private async ValueTask<byte[]?> TryAskAsync(string node, ClusterRequest request, CancellationToken cancellationToken)
    {
        try
        {
            // No listener: the node is between its report and its (re-)subscription; it did not answer.
            return await _bus!.RequestAsync(node, Encode(request), _options.RequestTimeout, cancellationToken);
        }
        catch (PubSubException ex) when (ex.Code == PubSubErrorCode.Unavailable)
        {
            Log.NodeDidNotAnswer(_logger, node, request.Op, ex.Message);
            return null;
        }
    }

    private static byte[] Encode(ClusterRequest request) => JsonSerializer.SerializeToUtf8Bytes(request, ClusterJson.Default.ClusterRequest);

    // "{node}:{number}": continue at that node after that connection. Node ids hold no ':' (ClusterOptions.IsValidNodeId).
    private static string Cursor(string node, long last) => $"{node}:{last.ToString(CultureInfo.InvariantCulture)}";

    private static (string? Node, long After) ParseCursor(string? cursor)
    {
        if (string.IsNullOrEmpty(cursor))
        {
            return (null, 0);
        }

        var colon = cursor.LastIndexOf(':');
        return colon > 0 && ClusterOptions.IsValidNodeId(cursor[..colon]) && long.TryParse(cursor.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var after)
            ? (cursor[..colon], after)
            : throw PubSubException.BadRequest("cursor must be a next_cursor from a previous page");
    }

    private static partial class Log
    {
        [LoggerMessage(604, LogLevel.Warning, "Node {NodeId} did not answer '{Op}': {Why}")]
        public static partial void NodeDidNotAnswer(ILogger logger, string nodeId, string op, string why);
    }
}
