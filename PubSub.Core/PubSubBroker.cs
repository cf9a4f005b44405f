using System.Security.Claims;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PubSub.Core.Access;
using PubSub.Core.Cluster;
using PubSub.Core.Delivery;
using PubSub.Core.Engine;

namespace PubSub.Core;

/// <summary>
/// The broker every transport talks to: validation, topics, publish, subscriptions with gap-free replay,
/// stats. It adds nothing to the wire: each transport turns its requests into these calls and drains each
/// <see cref="BrokerConnection"/>'s queue into its own socket.
/// </summary>
/// <remarks>
/// A little over the house's 400 lines on purpose: this is the one front door, one documented member per operation,
/// and the work is in the rooms behind it (<see cref="Publisher"/>, <see cref="TopicDirectory"/>,
/// <see cref="ConnectionRegistry"/>, <see cref="ReplayPlanner"/>, <see cref="BrokerFigures"/>). Only the subscribe
/// steps are written out here, because they tie four of those rooms together in one order.
/// </remarks>
public sealed partial class PubSubBroker
{
    /// <summary>The meter the broker's metrics are on (<c>pubsub.*</c>): what a host hands to its exporter (OpenTelemetry's <c>AddMeter</c>).</summary>
    public const string MeterName = "PubSub";

    private readonly IPubSubEngine _engine;
    private readonly LocalFanout _fanout;
    private readonly PubSubOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<PubSubBroker> _logger;
    private readonly ClusterFigures _cluster;
    private readonly TopicCatalog _catalog;
    private readonly TopicDirectory _topics;
    private readonly Publisher _publisher;
    private readonly IPubSubAuthorizer _access;
    private readonly ConnectionRegistry _connections;
    private readonly ReplayPlanner _replay;
    private readonly BrokerFigures _figures;

    internal PubSubBroker(IPubSubEngine engine, LocalFanout fanout, IOptions<PubSubOptions> options, TimeProvider time, ILogger<PubSubBroker> logger, NodeIdentity node, ClusterFigures cluster, IPubSubAuthorizer? access = null)
    {
        _access = access ?? new OpenAuthorizer();
        Node = node;
        _cluster = cluster;
        _catalog = new TopicCatalog(engine, time);
        _engine = engine;
        _fanout = fanout;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _connections = new ConnectionRegistry(node, fanout, _options, time, _access, () => LocalFiguresChanged?.Invoke());
        _replay = new ReplayPlanner(engine, _options.History);
        _figures = new BrokerFigures(node, fanout, _connections, cluster, time);
        _topics = new TopicDirectory(engine, _catalog, _options, _access, logger, (name, created) => TopicsChanged?.Invoke(name, created));
        _publisher = new Publisher(engine, _topics, _options);
        fanout.Attach(engine);
        if (engine is ITopicEvents events)
        {
            // Topics created or deleted through other nodes; this node's own changes are raised where they happen.
            events.TopicChanged += (name, created) =>
            {
                _catalog.Invalidate();
                TopicsChanged?.Invoke(name, created);
            };
        }
    }

    /// <summary>This node: its id ends every connection id, its figures are this broker's share of the cluster's.</summary>
    internal NodeIdentity Node { get; }

    /// <summary>This node's id (<see cref="ClusterOptions.NodeId"/>, or generated at start): the end of every connection id.</summary>
    public string NodeId => Node.Id;

    /// <summary>Raised when this node's connections or subscriptions change, for the cluster report. Handlers must not block.</summary>
    internal event Action? LocalFiguresChanged;

    /// <summary>The options in force.</summary>
    public PubSubOptions Options => _options;

    /// <summary>Raised after a topic is created or deleted (name, created?): on this node, and on any node when the engine reports it (<see cref="ITopicEvents"/>). For dashboards; handlers must not block.</summary>
    public event Action<string, bool>? TopicsChanged;

    /// <summary>Time since the broker started.</summary>
    public TimeSpan Uptime => _figures.Uptime;

    // ---- topics ----

    /// <summary>
    /// Creates a topic for the host itself (set-up code, tests): no key is asked or counted. Doors never call this; they
    /// pass their caller (<see cref="CreateTopicAsync(string?, JsonElement?, ClaimsPrincipal?, CancellationToken)"/>).
    /// Throws <see cref="PubSubException"/> (BadRequest, TopicExists, LimitExceeded).
    /// </summary>
    public ValueTask<TopicInfo> CreateTopicAsync(string? name, JsonElement? metadata = null, CancellationToken cancellationToken = default) =>
        _topics.CreateAsync(name, metadata, null, asHost: true, cancellationToken);

    /// <summary>
    /// Creates a topic as <paramref name="user"/>'s key: it needs <c>manage</c> on the topic, and the create is counted
    /// to the key (<see cref="LimitOptions.MaxTopicsPerKey"/>). Throws <see cref="PubSubException"/> (BadRequest,
    /// Forbidden, TopicExists, LimitExceeded).
    /// </summary>
    public ValueTask<TopicInfo> CreateTopicAsync(string? name, JsonElement? metadata, ClaimsPrincipal? user, CancellationToken cancellationToken = default) =>
        _topics.CreateAsync(name, metadata, user, asHost: false, cancellationToken);

    /// <summary>Deletes a topic: its subscribers are told (<c>topic_deleted</c>) and unsubscribed, its history dropped. False when unknown.</summary>
    public ValueTask<bool> DeleteTopicAsync(string name, CancellationToken cancellationToken = default) => _topics.DeleteAsync(name, cancellationToken);

    /// <summary>The topic with its subscriber count on every node, or null.</summary>
    public async ValueTask<TopicInfo?> GetTopicAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!IsTopicName(name))
        {
            return null;
        }

        var info = await _engine.GetTopicAsync(name, cancellationToken);
        return info is null ? null : info with { Subscribers = CountSubscribers(name) };
    }

    /// <summary>Every topic, by name, with its subscriber counts on every node, as the engine has them now.</summary>
    public async ValueTask<IReadOnlyList<TopicInfo>> ListTopicsAsync(CancellationToken cancellationToken = default) =>
        WithSubscribers(await _engine.ListTopicsAsync(cancellationToken));

    /// <summary>
    /// Every topic as this node's cached list has them (<see cref="TopicCatalog"/>): at most a second old, updated at
    /// once by creations and deletions on any node, and the last known list while the engine's store is away. What
    /// dashboards and <c>/health</c> read, so that their ticks cost no round trip to Redis.
    /// </summary>
    public async ValueTask<IReadOnlyList<TopicInfo>> ListCachedTopicsAsync(CancellationToken cancellationToken = default) =>
        WithSubscribers(await _catalog.ListAsync(cancellationToken));

    private List<TopicInfo> WithSubscribers(IReadOnlyList<TopicInfo> topics) => topics.Select(t => t with { Subscribers = CountSubscribers(t.Name) }).ToList();

    /// <summary>Subscriptions to <paramref name="topic"/> on every node (the others' as of their last report).</summary>
    public int CountSubscribers(string topic) => _fanout.CountSubscribers(topic) + _cluster.Subscribers(topic);

    // ---- publish ----

    /// <summary>
    /// Publishes: validates, assigns the id if absent, then the engine assigns seq, appends to history and
    /// queues the event for every current subscriber. Never waits for a subscriber. With a
    /// <see cref="MessageDraft.IdempotencyKey"/> the topic has seen within the window, nothing is published and the
    /// receipt is the first publish's (<see cref="PublishReceipt.Duplicate"/>). Throws <see cref="PubSubException"/>
    /// (BadRequest, TopicNotFound).
    /// </summary>
    public async ValueTask<PublishReceipt> PublishAsync(string? topic, MessageDraft draft, CancellationToken cancellationToken = default)
    {
        var started = _time.GetTimestamp();
        var receipt = await _publisher.PublishAsync(topic, draft, cancellationToken);
        if (receipt.Duplicate)
        {
            _figures.CountDuplicate();
            return receipt;
        }

        _figures.CountPublished();
        PublishDuration?.Record(_time.GetElapsedTime(started).TotalSeconds);
        return receipt;
    }

    // ---- connections and subscriptions ----

    /// <summary>
    /// Registers a connection: who is on the other end (its <paramref name="transport"/>, "ws", "signalr", …, the
    /// remote address and user agent when known, for listings and stats; its key, which a topic created on first use is
    /// checked against and counted to), and the transport's own rules for its subscribes. Those exist where a protocol
    /// allows more than the broker's options: the <c>/ws</c> seed dialect (PROTOCOL.md §9) creates topics on first
    /// subscribe (<paramref name="createTopics"/>, whatever <see cref="PubSubOptions.AutoCreateTopics"/> says) and
    /// replays a repeated subscribe's history again after its ack (<paramref name="replayOnResubscribe"/>, as the seed's
    /// server did; the subscription stays one). A rule can only widen. Call <see cref="Disconnect"/> when the socket goes.
    /// </summary>
    public BrokerConnection Connect(
        string transport,
        string? clientIp = null,
        string? userAgent = null,
        ClaimsPrincipal? user = null,
        bool createTopics = false,
        bool replayOnResubscribe = false) =>
        _connections.Register(new ClientInfo(transport, clientIp, userAgent) { User = user, CreateTopics = createTopics, ReplayOnResubscribe = replayOnResubscribe }, null);

    /// <summary>
    /// Registers a connection that lives within <paramref name="parent"/> (a hub <c>Stream</c> invocation): its
    /// subscription counts against the parent's <see cref="LimitOptions.MaxSubscriptionsPerConnection"/>, its topics are
    /// the parent's when the parent is listed or closed, its queue draws on the parent's queue budget
    /// (<see cref="QueueBudget"/>: the family's queued events and bytes stay within one connection's), and it closes
    /// with the parent. Throws
    /// <see cref="PubSubException"/> (LimitExceeded; BadRequest when the parent is closing).
    /// </summary>
    public BrokerConnection ConnectStream(BrokerConnection parent)
    {
        if (parent.SubscriptionLoad >= _options.Limits.MaxSubscriptionsPerConnection)
        {
            throw PubSubException.LimitExceeded("too many subscriptions and streams on this connection", "PubSub:Limits:MaxSubscriptionsPerConnection", _options.Limits.MaxSubscriptionsPerConnection);
        }

        var stream = _connections.Register(parent.Info, parent);
        if (!parent.AddStream(stream))
        {
            Disconnect(stream);
            throw new PubSubException(PubSubErrorCode.BadRequest, "the connection is closing");
        }

        parent.Outbound.ShareBudget(stream.Outbound);
        return stream;
    }

    /// <summary>Removes every subscription of the connection and completes its queue. Idempotent.</summary>
    public void Disconnect(BrokerConnection connection) => _connections.Remove(connection);

    /// <summary>
    /// Closes a connection of this node at the request of <paramref name="user"/>'s key, when that key may close it
    /// as it is at this instant (<see cref="IPubSubAuthorizer.MayClose"/>, decided atomically with the close): queued
    /// frames go out, then the transport tells the client <paramref name="reason"/> and closes. False when this node has
    /// no such connection, or none the key may see (so ids cannot be probed across tenants). Throws
    /// <see cref="PubSubException"/> (Forbidden) when the key may not manage every topic the connection is subscribed to:
    /// nothing was done then.
    /// </summary>
    public bool CloseConnection(string connectionId, string reason, ClaimsPrincipal? user) => Closed(TryCloseConnection(connectionId, reason, user));

    /// <summary><see cref="CloseConnection"/> with its refusal as a value: what this node answers another node's request with.</summary>
    internal CloseOutcome TryCloseConnection(string connectionId, string reason, ClaimsPrincipal? user)
    {
        var outcome = _connections.Close(connectionId, reason, user);
        if (outcome == CloseOutcome.Closed)
        {
            Log.Disconnected(_logger, connectionId, reason);
        }

        return outcome;
    }

    /// <summary>A close's outcome, decided on this node or another, as <see cref="CloseConnection"/> reports it.</summary>
    internal static bool Closed(CloseOutcome outcome) => outcome switch
    {
        CloseOutcome.Closed => true,
        CloseOutcome.Refused => throw new PubSubException(PubSubErrorCode.Forbidden, "this API key may not manage every topic this connection is subscribed to"),
        _ => false,
    };

    /// <summary>
    /// A page of this node's connections as <paramref name="user"/>'s key may see them (<see cref="IPubSubAuthorizer.Scope"/>),
    /// in the order they opened: those numbered after <paramref name="after"/>, at most <paramref name="limit"/>, and
    /// whether more follow. For <c>GET /api/connections/</c>; every node's: <see cref="ClusterNode.ListConnectionsAsync"/>.
    /// </summary>
    internal ConnectionPage DescribeConnections(ClaimsPrincipal? user, long after = 0, int limit = int.MaxValue) => _connections.Describe(user, after, limit);

    /// <summary>This node's figures of now, as it reports them to the cluster.</summary>
    internal NodeReport LocalReport() => _figures.LocalReport();

    /// <summary>Connections open on this node.</summary>
    public IReadOnlyCollection<BrokerConnection> Connections => _connections.All;

    /// <summary>
    /// Subscribes a connection to a topic. The connection's queue receives, in this order: the frame that
    /// <paramref name="ack"/> builds from the outcome (if any), the replayed events oldest first, then live
    /// events, with no gap and no duplicate between replay and live however fast others publish. Subscribing
    /// again is idempotent: one subscription, the ack queued again, nothing replayed (unless the connection was opened
    /// with <c>replayOnResubscribe</c>: then the replay follows the ack again). Throws <see cref="PubSubException"/>
    /// (BadRequest, TopicNotFound). The replay is the protocol's (§5): <c>lastN</c>, the newest n retained messages (capped at the history
    /// capacity); or <c>sinceSeq</c>, every retained message after it (a resume), with the <c>epoch</c> it belongs to
    /// when the client sent one (an earlier epoch's seq replays everything retained, with <c>gap</c>). Both at once, or
    /// a negative one, is BadRequest; neither is live events only.
    /// </summary>
    public async ValueTask<SubscribeOutcome> SubscribeAsync(
        BrokerConnection connection,
        string? topic,
        string clientId,
        int lastN = 0,
        long? sinceSeq = null,
        string? epoch = null,
        Func<SubscribeOutcome, OutboundFrame?>? ack = null,
        CancellationToken cancellationToken = default)
    {
        if (!IsTopicName(topic))
        {
            throw PubSubException.BadRequest(TopicNameError(topic));
        }

        var replay = ReplayRequest.Of(lastN, sinceSeq, epoch);

        CheckIdLength(clientId, "client_id");
        if (connection.SubscriptionLoad >= _options.Limits.MaxSubscriptionsPerConnection && !connection.Subscriptions.ContainsKey(topic!))
        {
            throw PubSubException.LimitExceeded("too many subscriptions on this connection", "PubSub:Limits:MaxSubscriptionsPerConnection", _options.Limits.MaxSubscriptionsPerConnection);
        }

        if (_options.AutoCreateTopics || connection.Info.CreateTopics)
        {
            await _topics.EnsureAsync(topic!, connection.Info.User, cancellationToken);
        }

        var candidate = new Subscription(connection, topic!, clientId, _time.GetUtcNow());
        var (subscription, watched) = _fanout.AddOrGet(candidate);
        if (subscription is null)
        {
            throw new PubSubException(PubSubErrorCode.BadRequest, "the connection is closing");
        }

        if (!ReferenceEquals(subscription, candidate))
        {
            return await SubscribeAgainAsync(connection, topic!, replay, ack, cancellationToken);
        }

        try
        {
            // The node receives the topic's live events before history is read: nothing can fall between the two.
            await watched.WaitAsync(cancellationToken);
            var (slice, replayed, gap) = await _replay.ReadAsync(topic!, replay, cancellationToken);
            var outcome = new SubscribeOutcome(topic!, slice.LatestSeq, gap, replayed.Count, AlreadySubscribed: false, slice.Epoch);
            _fanout.Activate(subscription, ack?.Invoke(outcome), replayed, slice.LatestSeq, slice.Epoch);
            LocalFiguresChanged?.Invoke();
            return outcome;
        }
        catch
        {
            // Whatever failed (the topic, the store, a cancelled read), the pending subscription must not stay behind.
            _fanout.Remove(subscription);
            throw;
        }
    }

    // A repeated subscribe: the one subscription goes on untouched (its live events are not repeated); only the ack
    // is queued again, and after it, when the transport's rules ask, the requested history as the first subscribe had it.
    private async ValueTask<SubscribeOutcome> SubscribeAgainAsync(BrokerConnection connection, string topic, ReplayRequest replay, Func<SubscribeOutcome, OutboundFrame?>? ack, CancellationToken cancellationToken)
    {
        SubscribeOutcome again;
        IReadOnlyList<PublishedMessage> replayed = [];
        if (connection.Info.ReplayOnResubscribe)
        {
            (var slice, replayed, var gap) = await _replay.ReadAsync(topic, replay, cancellationToken);
            again = new SubscribeOutcome(topic, slice.LatestSeq, gap, replayed.Count, AlreadySubscribed: true, slice.Epoch);
        }
        else
        {
            var info = await _engine.GetTopicAsync(topic, cancellationToken) ?? throw PubSubException.TopicNotFound(topic);
            again = new SubscribeOutcome(topic, info.LastSeq, false, 0, AlreadySubscribed: true, info.Epoch);
        }

        if (ack?.Invoke(again) is { } frame)
        {
            connection.Outbound.TryEnqueue(frame);
        }

        foreach (var message in replayed)
        {
            connection.Outbound.TryEnqueue(OutboundFrame.ForEvent(message));
        }

        return again;
    }

    /// <summary>
    /// Unsubscribes. Once this returns no event of the topic is queued for the connection after
    /// <paramref name="ack"/>. Throws TopicNotFound when the topic does not exist; succeeds when it exists but the
    /// connection was not subscribed.
    /// </summary>
    public async ValueTask UnsubscribeAsync(BrokerConnection connection, string? topic, OutboundFrame? ack = null, CancellationToken cancellationToken = default)
    {
        if (!IsTopicName(topic))
        {
            throw PubSubException.BadRequest(TopicNameError(topic));
        }

        if (connection.Subscriptions.TryGetValue(topic!, out var subscription))
        {
            _fanout.Remove(subscription);
            LocalFiguresChanged?.Invoke();
        }

        if (await _engine.GetTopicAsync(topic!, cancellationToken) is null)
        {
            throw PubSubException.TopicNotFound(topic!);
        }

        if (ack is { } frame)
        {
            connection.Outbound.TryEnqueue(frame);
        }
    }

    // ---- reads ----

    /// <summary>A page of a topic's retained messages, newest first. Null when the topic does not exist.</summary>
    public async ValueTask<MessagePage?> ReadMessagesAsync(string topic, int offset, int limit, CancellationToken cancellationToken = default)
    {
        if (!IsTopicName(topic))
        {
            return null;
        }

        var slice = await _engine.ReadHistoryAsync(topic, HistoryQuery.NewestFirst(offset, limit), cancellationToken);
        return slice is null ? null : new MessagePage(topic, slice.Messages, slice.RetainedCount, offset, limit);
    }

    /// <summary>The topic's subscriptions on this node (empty when none or unknown); every node's: <see cref="ClusterNode.ListSubscribersAsync"/>.</summary>
    public IReadOnlyList<SubscriberInfo> GetSubscribers(string topic) => _fanout.Subscribers(topic).Select(s => s.Describe()).ToList();

    /// <summary>Active subscriptions on this node, all topics.</summary>
    public int SubscriptionCount => _fanout.TotalSubscriptions();

    /// <summary>Active subscriptions on every node, all topics (the others' as of their last report).</summary>
    public int ClusterSubscriptionCount => SubscriptionCount + _cluster.Current.Subscriptions;

    /// <summary>Open connections on every node (the others' as of their last report).</summary>
    public int ClusterConnectionCount => _connections.Count + _cluster.Current.Connections;

    /// <summary>Figures of the whole broker, every node counted; the topics as the engine has them now.</summary>
    public async ValueTask<BrokerStats> GetStatsAsync(CancellationToken cancellationToken = default) => _figures.Stats(await ListTopicsAsync(cancellationToken));

    /// <summary><see cref="GetStatsAsync"/> over this node's cached topic list (<see cref="ListCachedTopicsAsync"/>): for dashboards.</summary>
    public async ValueTask<BrokerStats> GetCachedStatsAsync(CancellationToken cancellationToken = default) => _figures.Stats(await ListCachedTopicsAsync(cancellationToken));

    /// <summary>Messages published since start.</summary>
    public long PublishedCount => _figures.Published;

    /// <summary>Publishes since start that repeated an idempotency key and published nothing.</summary>
    public long DuplicateCount => _figures.Duplicates;

    /// <summary>Seconds per successful publish (<c>pubsub.publish.duration</c>), set by <see cref="Hosting.PubSubMetrics"/>.</summary>
    internal System.Diagnostics.Metrics.Histogram<double>? PublishDuration { get; set; }

    /// <summary>Events written to sockets since start, by open and closed connections.</summary>
    public long DeliveredCount => _connections.Delivered;

    /// <summary>Events dropped by the overflow policy since start.</summary>
    public long DroppedCount => _connections.Dropped;

    /// <summary>Figures of every open connection.</summary>
    internal IReadOnlyList<ConnectionStats> GetConnectionStats() => _connections.Stats();

    /// <summary>Refuses an id (client_id, message.id; request_id at the transports) over <see cref="LimitOptions.MaxIdLength"/>.</summary>
    public void CheckIdLength(string? id, string field) => _publisher.CheckIdLength(id, field);

    private static partial class Log
    {
        [LoggerMessage(601, LogLevel.Information, "Connection {ConnectionId} closed by an operator: {Reason}")]
        public static partial void Disconnected(ILogger logger, string connectionId, string reason);
    }
}
