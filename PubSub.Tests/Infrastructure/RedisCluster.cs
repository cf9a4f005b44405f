using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace PubSub.Tests.Infrastructure;

/// <summary>
/// A real Redis Cluster of the test's own: one <see cref="RedisServer"/> per node on loopback ports, joined with
/// <c>redis-cli --cluster create</c>, killed on dispose. Tests read its slot map, kill a master (its replica takes
/// over), start the killed node again (it rejoins as a replica) and move one slot, with its keys, to another master.
/// </summary>
/// <remarks>
/// <para>
/// Every change waits, bounded, until the cluster has settled: each running node says <c>cluster_state:ok</c>,
/// every running node has the same slot map and the same idea of which node replicates which master, the map covers all 16384 slots with running masters, every running node
/// is known to every other and not flagged failing, and every replica's link to its master is up (so a key written
/// and <c>WAIT</c>ed for is on the replica when its master is killed).
/// </para>
/// <para>
/// Node settings, and why: a node timeout of 1.5 s (failover in about 3 s, yet a node starved of CPU for a moment on
/// a loaded machine is not failed over); <c>cluster-require-full-coverage no</c>, as managed clusters run, so a
/// master's death stops only its own slots; <c>cluster-replica-validity-factor 0</c>, so a replica always takes
/// over however long ago it last heard from its master; <c>repl-diskless-sync-delay 0</c>, so a replica's first
/// sync starts at once rather than after 5 s. Each node's cluster bus gets a free port of its own
/// (<c>cluster-port</c>): the default, port + 10000, may be taken or beyond 65535. No appendonly file: a killed node
/// comes back empty, keeps its identity (its <c>nodes.conf</c>) and copies its data from its new master.
/// </para>
/// </remarks>
public sealed class RedisCluster : IAsyncDisposable
{
    /// <summary>The number of hash slots of every Redis Cluster.</summary>
    public const int Slots = 16384;

    private static readonly TimeSpan NodeTimeout = TimeSpan.FromMilliseconds(1500);

    /// <summary>How long a change may take to settle: a failover takes about two node timeouts.</summary>
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(30);

    private readonly RedisServer[] _nodes;
    private readonly HashSet<RedisServer> _down = [];

    private RedisCluster(RedisServer[] nodes)
    {
        _nodes = nodes;
    }

    /// <summary>Every node, masters and replicas, running or killed.</summary>
    public IReadOnlyList<RedisServer> Nodes => _nodes;

    /// <summary>A StackExchange.Redis configuration string listing the masters the cluster started with.</summary>
    public string Configuration { get; private set; } = "";

    /// <summary>How long <see cref="StartAsync"/> took, from the first node's start to a settled cluster.</summary>
    public TimeSpan StartTime { get; private set; }

    /// <summary>Skips the calling test on a developer machine without redis-server; under CI=true it is never skipped.</summary>
    public static void SkipUnlessAvailable() => RedisServer.SkipUnlessAvailable();

    /// <summary>
    /// Starts <paramref name="masters"/> masters (at least 3, as <c>redis-cli --cluster create</c> requires) sharing
    /// the slots evenly, each with <paramref name="replicasPerMaster"/> replicas, and waits until the cluster settles.
    /// </summary>
    public static async Task<RedisCluster> StartAsync(int masters = 3, int replicasPerMaster = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(masters, 3);
        ArgumentOutOfRangeException.ThrowIfNegative(replicasPerMaster);
        var clock = Stopwatch.StartNew();
        var starting = Enumerable.Range(0, masters * (1 + replicasPerMaster)).Select(_ => StartNodeAsync()).ToArray();
        try
        {
            await Task.WhenAll(starting);
        }
        catch
        {
            foreach (var node in starting.Where(task => task.IsCompletedSuccessfully))
            {
                await node.Result.DisposeAsync();
            }

            throw;
        }

        var cluster = new RedisCluster(starting.Select(task => task.Result).ToArray());
        try
        {
            // redis-cli makes the first `masters` nodes masters and the rest their replicas; the settled map says which.
            var created = await cluster._nodes[0].CliAsync(
                ["--cluster", "create", .. cluster._nodes.Select(node => node.Configuration),
                 "--cluster-replicas", replicasPerMaster.ToString(CultureInfo.InvariantCulture), "--cluster-yes"]);
            var map = await cluster.SettleAsync(_ => true, "to form", created);
            cluster.Configuration = string.Join(",", map.Masters.Select(port => $"127.0.0.1:{port}"));
            cluster.StartTime = clock.Elapsed;
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// The hash slot of <paramref name="key"/>, computed here as Redis does: CRC16 (XMODEM) of the key's UTF-8 bytes
    /// modulo 16384, or of its hash tag only, the bytes between its first <c>{</c> and the first <c>}</c> after it,
    /// when those are not empty.
    /// </summary>
    public static int HashSlot(string key)
    {
        ReadOnlySpan<byte> bytes = Encoding.UTF8.GetBytes(key);
        var open = bytes.IndexOf((byte)'{');
        if (open >= 0)
        {
            var length = bytes[(open + 1)..].IndexOf((byte)'}');
            if (length > 0)
            {
                bytes = bytes.Slice(open + 1, length);
            }
        }

        ushort crc = 0;
        foreach (var b in bytes)
        {
            crc ^= (ushort)(b << 8);
            for (var bit = 0; bit < 8; bit++)
            {
                crc = (crc & 0x8000) != 0 ? (ushort)((crc << 1) ^ 0x1021) : (ushort)(crc << 1);
            }
        }

        return crc % Slots;
    }

    /// <summary>The hash slot of <paramref name="key"/> as a running node computes it (<c>CLUSTER KEYSLOT</c>).</summary>
    public async Task<int> SlotOfAsync(string key) =>
        int.Parse(await Running.First().CliAsync("CLUSTER", "KEYSLOT", key), CultureInfo.InvariantCulture);

    /// <summary>The master serving <paramref name="key"/>'s slot now, once every running node agrees which it is.</summary>
    public async Task<RedisServer> MasterOfAsync(string key)
    {
        var map = await SettleAsync(_ => true, "to agree on its slot map");
        return NodeAt(map.OwnerOf(HashSlot(key)));
    }

    /// <summary>The running replicas of <paramref name="master"/>, in the settled map.</summary>
    public async Task<IReadOnlyList<RedisServer>> ReplicasOfAsync(RedisServer master)
    {
        var map = await SettleAsync(_ => true, "to agree on its slot map");
        return map.ReplicasOf(master.Port).Select(NodeAt).ToArray();
    }

    /// <summary>
    /// Kills (SIGKILL) the master serving <paramref name="key"/>'s slot and waits until one of its replicas serves
    /// that slot in every running node's map. Returns the killed node, for <see cref="RestartAsync"/>.
    /// </summary>
    public async Task<RedisServer> KillMasterOfAsync(string key)
    {
        var slot = HashSlot(key);
        var before = await SettleAsync(_ => true, "to agree on its slot map");
        var master = NodeAt(before.OwnerOf(slot));
        if (before.ReplicasOf(master.Port).Count == 0)
        {
            throw new InvalidOperationException($"the master on port {master.Port} has no running replica to take over slot {slot}: start the cluster with replicasPerMaster > 0");
        }

        await master.KillAsync();
        _down.Add(master);
        await SettleAsync(map => map.OwnerOf(slot) != master.Port, $"to fail over slot {slot} from the killed master on port {master.Port}");
        return master;
    }

    /// <summary>Starts a killed node again on its port, and waits until it has rejoined as a replica in sync with its master.</summary>
    public async Task RestartAsync(RedisServer node)
    {
        if (!_down.Remove(node))
        {
            throw new InvalidOperationException($"the node on port {node.Port} was not killed");
        }

        await node.RestartAsync();
        await SettleAsync(map => map.ReplicaPorts.Contains(node.Port), $"to take back the node on port {node.Port} as a replica");
    }

    /// <summary>
    /// Moves <paramref name="key"/>'s slot, with every key in it, to <paramref name="to"/> (by default another running
    /// master) the way <c>redis-cli --cluster reshard</c> moves each slot, while clients may go on using it: the
    /// target imports and the source migrates the slot (clients are sent to the target with <c>ASK</c> for keys
    /// already moved), keys go over in batches with <c>MIGRATE</c>, then every master is told the slot's new owner.
    /// Returns once every running node's map has the slot on the target. With <paramref name="targetLearnsLast"/> the
    /// source and the other masters are told first and the target last, as when the news reaches the target late (by
    /// gossip): for a moment a client sent away by the source is sent back by the target.
    /// </summary>
    public async Task<RedisServer> MigrateSlotOfAsync(string key, RedisServer? to = null, bool targetLearnsLast = false)
    {
        var slot = HashSlot(key);
        var map = await SettleAsync(_ => true, "to agree on its slot map");
        var source = NodeAt(map.OwnerOf(slot));
        var target = to ?? NodeAt(map.Masters.First(port => port != source.Port));
        if (target == source || !map.Masters.Contains(target.Port))
        {
            throw new ArgumentException($"the node on port {target.Port} is not another running master", nameof(to));
        }

        var slotText = slot.ToString(CultureInfo.InvariantCulture);
        await ExpectOkAsync(target, "CLUSTER", "SETSLOT", slotText, "IMPORTING", map.IdOf(source.Port));
        await ExpectOkAsync(source, "CLUSTER", "SETSLOT", slotText, "MIGRATING", map.IdOf(target.Port));
        while (true)
        {
            var keys = (await source.CliAsync("CLUSTER", "GETKEYSINSLOT", slotText, "100")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            if (keys.Length == 0)
            {
                break;
            }

            var migrated = await source.CliAsync(["MIGRATE", "127.0.0.1", target.Port.ToString(CultureInfo.InvariantCulture), "", "0", "5000", "KEYS", .. keys]);
            if (migrated is not ("OK" or "NOKEY"))
            {
                throw new InvalidOperationException($"MIGRATE of slot {slot} from port {source.Port} to {target.Port} answered: {migrated}");
            }
        }

        // The target first, so it serves the slot before the source stops redirecting with ASK (as redis-cli does).
        foreach (var master in map.Masters.Select(NodeAt).OrderBy(node => node == target ? (targetLearnsLast ? 3 : 0) : node == source ? 1 : 2))
        {
            await ExpectOkAsync(master, "CLUSTER", "SETSLOT", slotText, "NODE", map.IdOf(target.Port));
        }

        await SettleAsync(settled => settled.OwnerOf(slot) == target.Port, $"to agree that slot {slot} moved to port {target.Port}");
        return target;
    }

    /// <summary>Runs redis-cli against the node on <paramref name="port"/> and returns what it printed.</summary>
    public Task<string> CliAsync(int port, params string[] args) => NodeAt(port).CliAsync(args);

    /// <summary>Kills every node (each bounded), even when one of them failed to end.</summary>
    public async ValueTask DisposeAsync() => await Cleanup.DisposeAllAsync(_nodes);

    private IEnumerable<RedisServer> Running => _nodes.Where(node => !_down.Contains(node));

    private RedisServer NodeAt(int port) =>
        _nodes.FirstOrDefault(node => node.Port == port) ?? throw new InvalidOperationException($"no node of this cluster on port {port}");

    private static async Task<RedisServer> StartNodeAsync()
    {
        // The bus port is probed free like the node's own port; another process may take it before the node binds it
        // (the node then exits at start), so a node gets a few tries.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await RedisServer.StartAsync(
                    persistent: false,
                    "--cluster-enabled", "yes",
                    "--cluster-config-file", "nodes.conf",
                    "--cluster-node-timeout", ((int)NodeTimeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture),
                    "--cluster-port", ServerProcess.FreePort().ToString(CultureInfo.InvariantCulture),
                    "--cluster-require-full-coverage", "no",
                    "--cluster-replica-validity-factor", "0",
                    "--repl-diskless-sync-delay", "0");
            }
            catch (InvalidOperationException) when (attempt < 3)
            {
            }
        }
    }

    private static async Task ExpectOkAsync(RedisServer node, params string[] args)
    {
        var reply = await node.CliAsync(args);
        if (reply != "OK")
        {
            throw new InvalidOperationException($"{string.Join(' ', args)} on port {node.Port} answered: {reply}");
        }
    }

    /// <summary>
    /// Polls every running node until the cluster has settled (see the class remarks) and <paramref name="done"/>
    /// holds for the agreed map; returns that map. Throws, with what was last seen, after <see cref="SettleTimeout"/>.
    /// </summary>
    private async Task<SlotMap> SettleAsync(Func<SlotMap, bool> done, string what, string? context = null)
    {
        var clock = Stopwatch.StartNew();
        var running = Running.ToArray();
        var runningPorts = running.Select(node => node.Port).ToHashSet();
        while (true)
        {
            var seen = await Task.WhenAll(running.Select(async node => (
                Node: node,
                Info: await node.CliAsync("CLUSTER", "INFO"),
                Map: SlotMap.Parse(await node.CliAsync("CLUSTER", "NODES")),
                Replication: await node.CliAsync("INFO", "replication"))));
            var problem =
                seen.FirstOrDefault(s => !s.Info.Contains("cluster_state:ok", StringComparison.Ordinal)) is { Node: not null } notOk
                    ? $"port {notOk.Node.Port} is not cluster_state:ok"
                : seen.FirstOrDefault(s => s.Map.Describe(runningPorts) != seen[0].Map.Describe(runningPorts)) is { Node: not null } disagrees
                    ? $"port {disagrees.Node.Port} sees the cluster as {disagrees.Map.Describe(runningPorts)}, port {seen[0].Node.Port} as {seen[0].Map.Describe(runningPorts)}"
                : seen.FirstOrDefault(s => !s.Map.SeesHealthy(runningPorts)) is { Node: not null } blind
                    ? $"port {blind.Node.Port} does not see every running node healthy: {blind.Map.Describe(runningPorts)}"
                : !seen[0].Map.CoveredBy(runningPorts)
                    ? $"not every slot is served by a running master: {seen[0].Map.Describe(runningPorts)}"
                : seen.FirstOrDefault(s => s.Replication.Contains("role:slave", StringComparison.Ordinal)
                        && !s.Replication.Contains("master_link_status:up", StringComparison.Ordinal)) is { Node: not null } syncing
                    ? $"replica on port {syncing.Node.Port} is not in sync with its master yet"
                : !done(seen[0].Map)
                    ? $"settled, but not yet as expected: {seen[0].Map.Describe(runningPorts)}"
                : null;
            if (problem is null)
            {
                return seen[0].Map;
            }

            if (clock.Elapsed > SettleTimeout)
            {
                throw new TimeoutException($"the Redis Cluster did not settle {what} within {SettleTimeout.TotalSeconds:0} s; last seen: {problem}"
                    + (context is null ? "" : $"; redis-cli printed: {context}"));
            }

            await Task.Delay(50); // no node tells when gossip has converged: poll
        }
    }

    /// <summary>One node's view of the cluster (<c>CLUSTER NODES</c>): who is who, and which master serves which slots.</summary>
    private sealed class SlotMap
    {
        private readonly List<Line> _lines;

        private SlotMap(List<Line> lines)
        {
            _lines = lines;
        }

        /// <summary>The masters serving slots, ordered by their first slot.</summary>
        public IReadOnlyList<int> Masters => _lines.Where(line => line.Ranges.Count > 0).OrderBy(line => line.Ranges.Min(range => range.From)).Select(line => line.Port).ToArray();

        public IReadOnlySet<int> ReplicaPorts => _lines.Where(line => line.Flags.Contains("slave") && !line.Failing).Select(line => line.Port).ToHashSet();

        public static SlotMap Parse(string clusterNodes) =>
            new(clusterNodes.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Line.Parse).ToList());

        public int OwnerOf(int slot) =>
            _lines.FirstOrDefault(line => line.Ranges.Any(range => range.From <= slot && slot <= range.To))?.Port
            ?? throw new InvalidOperationException($"no node serves slot {slot}");

        public string IdOf(int port) => _lines.First(line => line.Port == port).Id;

        public IReadOnlyList<int> ReplicasOf(int masterPort)
        {
            var id = IdOf(masterPort);
            return _lines.Where(line => line.MasterId == id && !line.Failing).Select(line => line.Port).ToArray();
        }

        /// <summary>Every running node is listed, connected and not flagged failing (nor still in a handshake).</summary>
        public bool SeesHealthy(IReadOnlySet<int> running) =>
            running.All(port => _lines.Any(line => line.Port == port && !line.Failing && line.Connected && !line.Flags.Contains("handshake")));

        /// <summary>All 16384 slots are served, each by a running master.</summary>
        public bool CoveredBy(IReadOnlySet<int> running) =>
            _lines.Where(line => line.Ranges.Count > 0).All(line => running.Contains(line.Port))
            && _lines.Sum(line => line.Ranges.Sum(range => range.To - range.From + 1)) == Slots;

        /// <summary>
        /// The slot map and which running node replicates which master, as text: equal between nodes exactly when they
        /// agree on both (a replica's role reaches the other masters by gossip, after its master already counts it).
        /// </summary>
        public string Describe(IReadOnlySet<int> running) => string.Join(" ", _lines
            .SelectMany(line => line.Ranges.Select(range => (range.From, range.To, line.Port)))
            .OrderBy(entry => entry.From)
            .Select(entry => $"{entry.From}-{entry.To}@{entry.Port}")
            .Concat(_lines
                .Where(line => running.Contains(line.Port) && line.Flags.Contains("slave"))
                .OrderBy(line => line.Port)
                .Select(line => $"{line.Port}>{_lines.FirstOrDefault(master => master.Id == line.MasterId)?.Port.ToString(CultureInfo.InvariantCulture) ?? "?"}")));

        /// <summary>
        /// One line of <c>CLUSTER NODES</c>; <c>Ranges</c> are the served slot ranges (importing and migrating markers,
        /// <c>[slot-&lt;-id]</c>, are left out).
        /// </summary>
        private sealed record Line(string Id, int Port, IReadOnlyList<string> Flags, string MasterId, bool Connected, IReadOnlyList<(int From, int To)> Ranges)
        {
            public bool Failing => Flags.Contains("fail") || Flags.Contains("fail?");

            // <id> <ip:port@cport[,hostname]> <flags> <master> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot> <slot> ...
            public static Line Parse(string text)
            {
                var fields = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                var address = fields[1];
                var port = int.Parse(address[(address.LastIndexOf(':', address.IndexOf('@')) + 1)..address.IndexOf('@')], CultureInfo.InvariantCulture);
                var ranges = fields.Skip(8).Where(field => !field.StartsWith('[')).Select(field =>
                {
                    var bounds = field.Split('-');
                    return (int.Parse(bounds[0], CultureInfo.InvariantCulture), int.Parse(bounds[^1], CultureInfo.InvariantCulture));
                }).ToArray();
                return new Line(fields[0], port, fields[2].Split(','), fields[3], fields[7] == "connected", ranges);
            }
        }
    }
}
