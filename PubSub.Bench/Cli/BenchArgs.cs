using System.Globalization;

namespace PubSub.Bench.Cli;

/// <summary>Parses <c>SCENARIO [--option value | --flag]…</c> into <see cref="BenchOptions"/>.</summary>
internal static class BenchArgs
{
    public const string Usage = """
        PubSub.Bench: load generator and micro-benchmarks for the PubSub server (and redis-server, for reference).

        usage: PubSub.Bench SCENARIO [options]

        scenarios
          fanout        P publishers, S subscribers, T topics: throughput, latency, loss, server CPU and RSS
          connections   N idle subscribed connections: time to establish, server RSS per connection
          slowconsumer  fan-out at a fixed rate without, then with, a subscriber that stops reading
          micro         BenchmarkDotNet micro-benchmarks of the hot path (options after 'micro' go to BenchmarkDotNet)

        options (defaults in brackets)
          --url ws://HOST:PORT/ws     server /ws address [ws://127.0.0.1:8000/ws]; the hub is /hubs/pubsub on the same host
          --transport ws|hub-json|hub-msgpack|redis   [ws]
          --redis HOST:PORT           redis-server for --transport redis [127.0.0.1:6379]
          --ws-client raw|dotnet      /ws client: the bench's raw-socket one, or ClientWebSocket [raw]
          --hub-client raw|dotnet     hub-json subscribers: raw-socket JSON hub protocol, or the .NET SignalR client [raw];
                                      publishers and hub-msgpack always use the .NET SignalR client
          --idempotency-keys          every /ws publish carries a unique idempotency_key (the cost of keyed publishes)
          --publishers P              [1]
          --subscribers S             subscriber connections in all, subscriber i on topic i mod T [10]
          --sse-subscribers N         N more subscribers over Server-Sent Events (GET /api/topics/{name}/events/) beside
                                      the S of --transport, fed by the same publishers; reported on their own [0]
          --topics T                  [1]
          --all-topics                every subscriber subscribes to every topic
          --payload B                 payload bytes [256]
          --warmup D                  excluded from the figures [2s]
          --duration D                measured time [10s]
          --window W                  closed loop: unacknowledged publishes per publisher [64]
          --rate R                    fixed total publish rate, msg/s (instead of closed loop)
          --stalled N                 subscribers that stop reading when measuring starts [0; slowconsumer: 1]
          --count N                   connections scenario: connections [1000]
          --concurrency C             connections opened at once [64]
          --per-source N              connections per 127.0.0.x source address, 0 = don't bind [20000]
          --hold D                    connections scenario: keep them open this long [2s]
          --server-pid PID            server (or redis-server) pid: CPU and RSS from /proc; repeat it for several nodes (summed)
          --store-pid PID             redis-server behind a Redis-engine broker: its CPU per publish; repeat it for
                                      several shards or cluster masters (summed)
          --label TEXT                copied into the report
          --json                      stdout gets only the JSON line (summary on stderr)
          --no-progress               no progress lines
        durations: 500ms, 10s, 2m, or seconds as a number
        """;

    public static (string Scenario, BenchOptions Options) Parse(IReadOnlyList<string> args)
    {
        if (args.Count == 0 || args[0].StartsWith('-'))
        {
            throw new ArgumentException("a scenario comes first: fanout, connections, slowconsumer or micro");
        }

        var scenario = args[0].ToLowerInvariant();
        var o = new BenchOptions();
        var stalledGiven = false;
        for (var i = 1; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value");
            o = name switch
            {
                "--url" => o with { Url = new Uri(Value()) },
                "--transport" => o with { Transport = ParseTransport(Value()) },
                "--redis" => o with { Redis = Value() },
                "--hub-client" => o with { DotnetHubClient = Value() switch { "dotnet" => true, "raw" => false, var v => throw new ArgumentException($"--hub-client: raw or dotnet, not '{v}'") } },
                "--ws-client" => o with { DotnetWsClient = Value() switch { "dotnet" or "clientwebsocket" => true, "raw" => false, var v => throw new ArgumentException($"--ws-client: raw or dotnet, not '{v}'") } },
                "--publishers" => o with { Publishers = Int(Value(), name, 1) },
                "--subscribers" => o with { Subscribers = Int(Value(), name, 0) },
                "--topics" => o with { Topics = Int(Value(), name, 1) },
                "--sse-subscribers" => o with { SseSubscribers = Int(Value(), name, 0) },
                "--all-topics" => o with { AllTopics = true },
                "--payload" => o with { PayloadBytes = Int(Value(), name, Measurement.BenchPayload.MinimumSize) },
                "--warmup" => o with { Warmup = Duration(Value(), name) },
                "--duration" => o with { Duration = Duration(Value(), name) },
                "--window" => o with { Window = Int(Value(), name, 1) },
                "--rate" => o with { Rate = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--stalled" => o with { Stalled = Int(Value(), name, 0) },
                "--count" => o with { Count = Int(Value(), name, 1) },
                "--concurrency" => o with { Concurrency = Int(Value(), name, 1) },
                "--per-source" => o with { PerSourceAddress = Int(Value(), name, 0) },
                "--hold" => o with { Hold = Duration(Value(), name) },
                "--drain-timeout" => o with { DrainTimeout = Duration(Value(), name) },
                "--node" => o with { Nodes = [.. o.Nodes, new Uri(Value())] },
                "--server-pid" => o.ServerPid is null ? o with { ServerPid = Int(Value(), name, 1) } : o with { MoreServerPids = [.. o.MoreServerPids, Int(Value(), name, 1)] },
                "--store-pid" => o.StorePid is null ? o with { StorePid = Int(Value(), name, 1) } : o with { MoreStorePids = [.. o.MoreStorePids, Int(Value(), name, 1)] },
                "--label" => o with { Label = Value() },
                "--json" => o with { JsonOnly = true },
                "--no-progress" => o with { Progress = false },
                "--idempotency-keys" => o with { IdempotencyKeys = true },
                _ => throw new ArgumentException($"unknown option {name}"),
            };
            stalledGiven |= name == "--stalled";
        }

        if (scenario == "slowconsumer" && !stalledGiven)
        {
            o = o with { Stalled = 1 };
        }

        if (o.IdempotencyKeys && o.Transport != TransportKind.Ws)
        {
            throw new ArgumentException("--idempotency-keys is for --transport ws");
        }

        if (o.SseSubscribers > 0 && o.Transport == TransportKind.Redis)
        {
            throw new ArgumentException("--sse-subscribers needs the PubSub server: redis-server has no event streams");
        }

        if (o.Rate is <= 0)
        {
            throw new ArgumentException("--rate must be positive");
        }

        if (o.AllUrls.Any(u => u.Scheme is not ("ws" or "wss") || !IsLoopback(u.Host)))
        {
            throw new ArgumentException("--url must be a ws:// address on loopback (127.0.0.0/8 or localhost): the bench never loads another machine");
        }

        var redisHost = Transports.RedisTransport.Parse(o.Redis).Host;
        if (o.Transport == TransportKind.Redis && !IsLoopback(redisHost))
        {
            throw new ArgumentException("--redis must be on loopback: the bench never loads another machine");
        }

        return (scenario, o);
    }

    private static bool IsLoopback(string host) =>
        host == "localhost" || (System.Net.IPAddress.TryParse(host, out var ip) && System.Net.IPAddress.IsLoopback(ip));

    public static TransportKind ParseTransport(string value) => value.ToLowerInvariant() switch
    {
        "ws" => TransportKind.Ws,
        "hub" or "hub-json" => TransportKind.HubJson,
        "hub-msgpack" or "hub-messagepack" => TransportKind.HubMsgPack,
        "redis" => TransportKind.Redis,
        _ => throw new ArgumentException($"unknown transport '{value}': ws, hub-json, hub-msgpack or redis"),
    };

    public static TimeSpan Duration(string value, string name)
    {
        value = value.Trim().ToLowerInvariant();
        (string number, double scale) = value switch
        {
            _ when value.EndsWith("ms", StringComparison.Ordinal) => (value[..^2], 0.001),
            _ when value.EndsWith('s') => (value[..^1], 1.0),
            _ when value.EndsWith('m') => (value[..^1], 60.0),
            _ => (value, 1.0),
        };
        return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= 0
            ? TimeSpan.FromSeconds(n * scale)
            : throw new ArgumentException($"{name}: '{value}' is not a duration (500ms, 10s, 2m)");
    }

    private static int Int(string value, string name, int min) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min
            ? n
            : throw new ArgumentException($"{name} must be an integer ≥ {min}");
}
