using System.Globalization;

namespace PubSub.Bench.Cli;

/// <summary>Every setting of a run; the command line fills it (<see cref="BenchArgs"/>), tests build it directly.</summary>
internal sealed record BenchOptions
{
    /// <summary>The server's /ws address; the hub and REST addresses are derived from its host and port.</summary>
    public Uri Url { get; init; } = new("ws://127.0.0.1:8000/ws");

    /// <summary>
    /// More nodes of the same broker (scale-out, Redis engine): subscriber i and publisher p connect to node
    /// i mod N and p mod N of <see cref="Url"/> followed by these, so the load is split evenly.
    /// </summary>
    public IReadOnlyList<Uri> Nodes { get; init; } = [];

    /// <summary>Every node's /ws address: <see cref="Url"/>, then <see cref="Nodes"/>.</summary>
    public IReadOnlyList<Uri> AllUrls => [Url, .. Nodes];

    public TransportKind Transport { get; init; } = TransportKind.Ws;

    /// <summary>Use <c>ClientWebSocket</c> for /ws instead of the bench's raw-socket client (to compare their cost).</summary>
    public bool DotnetWsClient { get; init; }

    /// <summary>hub-json subscribers through the .NET SignalR client instead of the raw-socket JSON hub protocol.</summary>
    public bool DotnetHubClient { get; init; }

    /// <summary>redis-server address (host:port) for <see cref="TransportKind.Redis"/>.</summary>
    public string Redis { get; init; } = "127.0.0.1:6379";

    public int Publishers { get; init; } = 1;

    /// <summary>Subscriber connections in all; subscriber i subscribes to topic i mod T (or to every topic with <see cref="AllTopics"/>).</summary>
    public int Subscribers { get; init; } = 10;

    /// <summary>
    /// More subscribers beside <see cref="Subscribers"/>, over Server-Sent Events whatever <see cref="Transport"/> is
    /// (subscriber i of all on topic i mod T, like the others): the same publishes reach both, so each run measures SSE beside them.
    /// </summary>
    public int SseSubscribers { get; init; }

    public int Topics { get; init; } = 1;

    public bool AllTopics { get; init; }

    /// <summary>Payload size in bytes (the JSON payload object, not the frame).</summary>
    public int PayloadBytes { get; init; } = 256;

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Closed loop: unacknowledged publishes allowed per publisher. Also the in-flight bound in rate mode.</summary>
    public int Window { get; init; } = 64;

    /// <summary>Fixed total publish rate (msg/s, all publishers together); null for closed loop.</summary>
    public double? Rate { get; init; }

    /// <summary>Pid of the server (or redis-server), for its CPU and RSS from /proc.</summary>
    public int? ServerPid { get; init; }

    /// <summary>Pids of the other nodes: the server figures are the sum over every node.</summary>
    public IReadOnlyList<int> MoreServerPids { get; init; } = [];

    /// <summary>Pid of the redis-server behind a Redis-engine broker, reported on its own (its CPU per publish).</summary>
    public int? StorePid { get; init; }

    /// <summary>More redis-servers behind the broker (shards, cluster masters): the store figures are the sum over all.</summary>
    public IReadOnlyList<int> MoreStorePids { get; init; } = [];

    /// <summary>
    /// Every /ws publish carries an <c>idempotency_key</c> unique to the run, publisher, topic and message (PROTOCOL.md
    /// §2), so that the cost of keyed publishes can be measured beside unkeyed ones: none is a repeat.
    /// </summary>
    public bool IdempotencyKeys { get; init; }

    /// <summary>Print only the JSON line on stdout (the summary goes to stderr).</summary>
    public bool JsonOnly { get; init; }

    /// <summary>Print a progress line every second (stderr).</summary>
    public bool Progress { get; init; } = true;

    /// <summary>Stalled subscribers (slow-consumer scenario): they read until the measurement starts, then stop.</summary>
    public int Stalled { get; init; }

    /// <summary>Connections scenario: how many idle subscribed connections.</summary>
    public int Count { get; init; } = 1000;

    /// <summary>Connections opened at once.</summary>
    public int Concurrency { get; init; } = 64;

    /// <summary>Client connections per 127.0.0.x source address (a source address has ~28k ephemeral ports); 0 binds none.</summary>
    public int PerSourceAddress { get; init; } = 20_000;

    /// <summary>How long the connections scenario holds its connections open after they are established.</summary>
    public TimeSpan Hold { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long to wait, after publishing stops, for every expected delivery.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>A label copied into the report (e.g. "quiet machine", "builds running").</summary>
    public string? Label { get; init; }

    public bool IsHub => Transport is TransportKind.HubJson or TransportKind.HubMsgPack;

    public Uri HttpBase => HttpBaseOf(Url);

    public Uri HubUrl => HubUrlOf(Url);

    public static Uri HttpBaseOf(Uri ws) => new UriBuilder(ws) { Scheme = ws.Scheme == "wss" ? "https" : "http", Path = "/" }.Uri;

    public static Uri HubUrlOf(Uri ws) => new UriBuilder(HttpBaseOf(ws)) { Path = "/hubs/pubsub" }.Uri;

    public static string TransportName(TransportKind kind) => kind switch
    {
        TransportKind.Ws => "ws",
        TransportKind.HubJson => "hub-json",
        TransportKind.HubMsgPack => "hub-msgpack",
        _ => "redis",
    };

    public static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + "s";
}
