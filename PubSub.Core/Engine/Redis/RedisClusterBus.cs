using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using PubSub.Core.Cluster;
using StackExchange.Redis;

namespace PubSub.Core.Engine.Redis;

/// <summary>
/// The cluster over the Redis engine's connection (<see cref="RedisKeys"/>, the first shard's when there are several):
/// node reports in a sorted set and a hash, written by one script per round (<see cref="RedisScripts.Report"/>), and a pub/sub channel per node for requests
/// and answers. A request whose PUBLISH reaches no subscriber is for a node that is not there.
/// </summary>
/// <remarks>
/// <para><b>Small messages on the event link.</b> The subscription link that carries requests also carries every topic's
/// events, and Redis drops the whole link when a subscriber's output buffer passes <c>client-output-buffer-limit
/// pubsub</c>. So only small messages travel on it: a request (a few fields), and for each answer a notice of a few
/// bytes. The answer itself (a page of up to 1,000 connections) is written to a key that expires, and the asking node
/// reads and deletes it over the ordinary connection.</para>
/// <para><b>Never blocking the link's reader.</b> Messages of one channel are handled one at a time, in order; a request
/// is answered off that loop (at most <see cref="MaxAnswering"/> at once), so the notice of an answer this node waits
/// for is never queued behind an answer it is busy writing for another node.</para>
/// </remarks>
internal sealed partial class RedisClusterBus(RedisShards shards, TimeProvider time, ILogger<RedisClusterBus> logger) : IClusterBus, IDisposable
{
    // The node-to-node keys and channels are on the first shard (a Redis Cluster routes them by slot itself).
    private readonly RedisStore store = shards.Home;

    // Requests answered at once; more wait their turn off the link's loop.
    private const int MaxAnswering = 8;

    // An unread answer is deleted by Redis: the asker gave up (its timeout) or is gone.
    private static readonly TimeSpan AnswerExpiry = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, TaskCompletionSource<bool>> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _answering = new(MaxAnswering);
    private readonly object _listenLock = new();
    private string? _nodeId;
    private Func<byte[], ValueTask<byte[]>>? _handler;
    private KeptChannel? _listening;
    private readonly SemaphoreSlim _subscribing = new(1);

    private IDatabase Db => store.Db;

    private ISubscriber Bus => store.Bus;

    public async ValueTask<ClusterRound> ReportAsync(NodeReport self, TimeSpan expiry, CancellationToken cancellationToken = default)
    {
        await EnsureListeningAsync();
        var keys = store.Keys;
        var json = JsonSerializer.SerializeToUtf8Bytes(self, ClusterJson.Default.NodeReport);
        var result = await store.CallAsync("report", mayHaveRun: false, async () =>
        {
            var reply = (RedisResult[])(await Db.ScriptEvaluateAsync(
                RedisScripts.Report,
                [keys.Nodes, keys.Reports],
                [self.Id, json, (long)expiry.TotalMilliseconds, self.Instance ?? ""]))!;

            // Each node's last report time, moved onto this node's clock: its age by Redis's clock, back from our now.
            var now = time.GetUtcNow();
            var redisNow = (long)reply[0];
            var nodes = new List<NodeReport>(reply.Length / 3);
            for (var i = 2; i + 2 < reply.Length; i += 3)
            {
                var id = (string)reply[i]!;
                if (ReadReport(id, (byte[])reply[i + 2]!) is { } report)
                {
                    nodes.Add(report with { Id = id, LastSeen = now - TimeSpan.FromMilliseconds(redisNow - (long)reply[i + 1]) });
                }
            }

            return new ClusterRound(nodes, (long)reply[1] == 1);
        }, cancellationToken);
        return result;
    }

    /// <summary>
    /// A node's report, or null when it cannot be read (another version's, or written by hand): that node is left out of
    /// this round, never the whole round. Logged once per node until it reports readably again.
    /// </summary>
    private NodeReport? ReadReport(string nodeId, byte[] json)
    {
        try
        {
            var report = JsonSerializer.Deserialize(json, ClusterJson.Default.NodeReport) ?? throw new JsonException("null report");
            if (_unreadable.TryRemove(nodeId, out _))
            {
                Log.ReportReadable(logger, nodeId);
            }

            return report;
        }
        catch (JsonException ex)
        {
            if (_unreadable.TryAdd(nodeId, 0))
            {
                Log.ReportUnreadable(logger, nodeId, ex.Message);
            }

            return null;
        }
    }

    public async ValueTask LeaveAsync(string nodeId, CancellationToken cancellationToken = default)
    {
        var keys = store.Keys;
        await store.CallAsync("leave", mayHaveRun: true, async () =>
        {
            await Task.WhenAll(Db.SortedSetRemoveAsync(keys.Nodes, nodeId), Db.HashDeleteAsync(keys.Reports, nodeId));
            return true;
        }, cancellationToken);
    }

    public async ValueTask<byte[]?> RequestAsync(string nodeId, byte[] request, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var from = _nodeId ?? throw new InvalidOperationException("Listen first: answers come back on this node's channel.");
        await EnsureListeningAsync();
        var id = Guid.NewGuid().ToString("N");
        var answered = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answered;
        try
        {
            var message = Concat($"q{id}\n{from}\n", request);
            var receivers = await store.CallAsync("request", mayHaveRun: true, () => Bus.PublishAsync(store.Channel(store.Keys.Control(nodeId)), message), cancellationToken);
            if (receivers == 0)
            {
                return null;
            }

            try
            {
                await answered.Task.WaitAsync(timeout, time, cancellationToken);
            }
            catch (TimeoutException)
            {
                throw new PubSubException(PubSubErrorCode.Unavailable, $"node {nodeId} did not answer within {timeout.TotalSeconds:0.###} s: the request may still reach it and be carried out");
            }

            var answer = await store.CallAsync("request", mayHaveRun: false, () => Db.StringGetDeleteAsync(store.Keys.Answer(id)), cancellationToken);
            return answer.IsNull
                ? throw new PubSubException(PubSubErrorCode.Unavailable, $"node {nodeId} answered but its answer was gone (expired) before it was read")
                : (byte[])answer!;
        }
        finally
        {
            _pending.TryRemove(id, out _);
        }
    }

    public void Listen(string nodeId, Func<byte[], ValueTask<byte[]>> handler)
    {
        lock (_listenLock)
        {
            (_nodeId, _handler) = (nodeId, handler);
        }

        _ = EnsureListeningAsync();
    }

    // Subscribed once; the client re-subscribes by itself after a reconnect. If Redis was away at the first try, or (on a
    // Redis Cluster) the channel's slot moved, the next report round subscribes it again. One attempt at a time.
    private async Task EnsureListeningAsync()
    {
        KeptChannel listening;
        lock (_listenLock)
        {
            if (_nodeId is null)
            {
                return;
            }

            listening = _listening ??= new KeptChannel(store, store.Keys.Control(_nodeId), (_, message) => OnMessage(message));
        }

        if (!listening.Lost || !await _subscribing.WaitAsync(0))
        {
            return;
        }

        try
        {
            await listening.SubscribeAsync();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.ListenFailed(logger, _nodeId!, ex.Message);
        }
        finally
        {
            _subscribing.Release();
        }
    }

    // On the link's loop: never awaits. A notice completes the waiting request; a request is answered off the loop.
    private void OnMessage(ChannelMessage message)
    {
        byte[] bytes = message.Message!;
        if (bytes.Length < 2)
        {
            return;
        }

        if (bytes[0] == (byte)'a')
        {
            if (_pending.TryGetValue(Encoding.ASCII.GetString(bytes, 1, bytes.Length - 1), out var waiting))
            {
                waiting.TrySetResult(true);
            }

            return;
        }

        var firstLine = Array.IndexOf(bytes, (byte)'\n');
        var secondLine = firstLine < 0 ? -1 : Array.IndexOf(bytes, (byte)'\n', firstLine + 1);
        if (bytes[0] != (byte)'q' || secondLine < 0 || _handler is not { } handler)
        {
            return;
        }

        var id = Encoding.ASCII.GetString(bytes, 1, firstLine - 1);
        var replyTo = Encoding.ASCII.GetString(bytes, firstLine + 1, secondLine - firstLine - 1);
        var request = bytes[(secondLine + 1)..];
        _ = Task.Run(() => AnswerAsync(handler, id, replyTo, request));
    }

    public void Dispose()
    {
        _answering.Dispose();
        _subscribing.Dispose();
    }

    private async Task AnswerAsync(Func<byte[], ValueTask<byte[]>> handler, string id, string replyTo, byte[] request)
    {
        try
        {
            await _answering.WaitAsync();
        }
        catch (ObjectDisposedException)
        {
            return; // stopping
        }

        try
        {
            var answer = await handler(request);
            await Db.StringSetAsync(store.Keys.Answer(id), answer, AnswerExpiry);
            await Bus.PublishAsync(store.Channel(store.Keys.Control(replyTo)), Encoding.ASCII.GetBytes("a" + id));
        }
        catch (Exception ex)
        {
            // The asking node times out and says so; this node and its connections go on.
            Log.AnswerFailed(logger, ex, replyTo);
        }
        finally
        {
            _answering.Release();
        }
    }

    private static byte[] Concat(string head, byte[] body)
    {
        var bytes = new byte[Encoding.ASCII.GetByteCount(head) + body.Length];
        var n = Encoding.ASCII.GetBytes(head, bytes);
        body.CopyTo(bytes, n);
        return bytes;
    }

    private readonly ConcurrentDictionary<string, byte> _unreadable = new(StringComparer.Ordinal);

    private static partial class Log
    {
        [LoggerMessage(613, LogLevel.Warning, "The report of node {NodeId} in Redis cannot be read ({Error}); that node is left out of lists and counts until it reports readably")]
        public static partial void ReportUnreadable(ILogger logger, string nodeId, string error);

        [LoggerMessage(614, LogLevel.Information, "The report of node {NodeId} can be read again")]
        public static partial void ReportReadable(ILogger logger, string nodeId);

        [LoggerMessage(611, LogLevel.Warning, "Node {NodeId} cannot listen for cluster requests yet: {Why}; retried at the next report")]
        public static partial void ListenFailed(ILogger logger, string nodeId, string why);

        [LoggerMessage(612, LogLevel.Warning, "Answering a cluster request from node {NodeId} failed")]
        public static partial void AnswerFailed(ILogger logger, Exception exception, string nodeId);
    }
}
