using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using PubSub.Core.Cluster;
using StackExchange.Redis;

namespace PubSub.Core.Engine.Redis;

/// <summary>
/// The cluster over the Redis engine's connection (<see cref="RedisKeys"/>): node reports in a sorted set and expiring
/// keys written by one script per round (<see cref="RedisScripts.Report"/>), and a pub/sub channel per node for requests
/// and answers. A request whose PUBLISH reaches no subscriber is for a node that is not there.
/// </summary>
internal sealed partial class RedisClusterBus(RedisStore store, TimeProvider time, ILogger<RedisClusterBus> logger) : IClusterBus
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<byte[]>> _pending = new(StringComparer.Ordinal);
    private readonly object _listenLock = new();
    private string? _nodeId;
    private Func<byte[], ValueTask<byte[]>>? _handler;
    private ChannelMessageQueue? _listening;

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
                [keys.Nodes, keys.NodeReport(self.Id)],
                [self.Id, json, (long)expiry.TotalMilliseconds, keys.NodeReportPrefix, self.Instance ?? ""]))!;

            // Each node's last report time, moved onto this node's clock: its age by Redis's clock, back from our now.
            var now = time.GetUtcNow();
            var redisNow = (long)reply[0];
            var nodes = new List<NodeReport>(reply.Length / 3);
            for (var i = 2; i + 2 < reply.Length; i += 3)
            {
                var report = JsonSerializer.Deserialize((byte[])reply[i + 2]!, ClusterJson.Default.NodeReport);
                if (report is not null)
                {
                    nodes.Add(report with { Id = (string)reply[i]!, LastSeen = now - TimeSpan.FromMilliseconds(redisNow - (long)reply[i + 1]) });
                }
            }

            return new ClusterRound(nodes, (long)reply[1] == 1);
        }, cancellationToken);
        return result;
    }

    public async ValueTask LeaveAsync(string nodeId, CancellationToken cancellationToken = default)
    {
        var keys = store.Keys;
        await store.CallAsync("leave", mayHaveRun: true, async () =>
        {
            await Task.WhenAll(Db.SortedSetRemoveAsync(keys.Nodes, nodeId), Db.KeyDeleteAsync(keys.NodeReport(nodeId)));
            return true;
        }, cancellationToken);
    }

    public async ValueTask<byte[]?> RequestAsync(string nodeId, byte[] request, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var from = _nodeId ?? throw new InvalidOperationException("Listen first: answers come back on this node's channel.");
        await EnsureListeningAsync();
        var id = Guid.NewGuid().ToString("N");
        var answer = new TaskCompletionSource<byte[]>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = answer;
        try
        {
            var message = Concat($"q{id}\n{from}\n", request);
            var receivers = await store.CallAsync("request", mayHaveRun: true, () => Bus.PublishAsync(store.Keys.Control(nodeId), message), cancellationToken);
            if (receivers == 0)
            {
                return null;
            }

            try
            {
                return await answer.Task.WaitAsync(timeout, time, cancellationToken);
            }
            catch (TimeoutException)
            {
                throw new PubSubException(PubSubErrorCode.Unavailable, $"node {nodeId} did not answer within {timeout.TotalSeconds:0.###} s: the request may still reach it and be carried out");
            }
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

    // Subscribed once; the client re-subscribes by itself after a reconnect. If Redis was away at the first try, the
    // next report round tries again.
    private async Task EnsureListeningAsync()
    {
        string nodeId;
        lock (_listenLock)
        {
            if (_listening is not null || _nodeId is null)
            {
                return;
            }

            nodeId = _nodeId;
        }

        try
        {
            var queue = await Bus.SubscribeAsync(store.Keys.Control(nodeId));
            lock (_listenLock)
            {
                if (_listening is not null)
                {
                    _ = queue.UnsubscribeAsync();
                    return;
                }

                _listening = queue;
            }

            queue.OnMessage(OnMessageAsync);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.ListenFailed(logger, nodeId, ex.Message);
        }
    }

    private async Task OnMessageAsync(ChannelMessage message)
    {
        byte[] bytes = message.Message!;
        var firstLine = Array.IndexOf(bytes, (byte)'\n');
        if (bytes.Length < 2 || firstLine < 0)
        {
            return;
        }

        var id = Encoding.ASCII.GetString(bytes, 1, firstLine - 1);
        if (bytes[0] == (byte)'a')
        {
            if (_pending.TryGetValue(id, out var waiting))
            {
                waiting.TrySetResult(bytes[(firstLine + 1)..]);
            }

            return;
        }

        var secondLine = Array.IndexOf(bytes, (byte)'\n', firstLine + 1);
        if (bytes[0] != (byte)'q' || secondLine < 0 || _handler is not { } handler)
        {
            return;
        }

        var replyTo = Encoding.ASCII.GetString(bytes, firstLine + 1, secondLine - firstLine - 1);
        try
        {
            var answer = await handler(bytes[(secondLine + 1)..]);
            await Bus.PublishAsync(store.Keys.Control(replyTo), Concat($"a{id}\n", answer));
        }
        catch (Exception ex)
        {
            // The asking node times out and says so; this node and its connections go on.
            Log.AnswerFailed(logger, ex, replyTo);
        }
    }

    private static byte[] Concat(string head, byte[] body)
    {
        var bytes = new byte[Encoding.ASCII.GetByteCount(head) + body.Length];
        var n = Encoding.ASCII.GetBytes(head, bytes);
        body.CopyTo(bytes, n);
        return bytes;
    }

    private static partial class Log
    {
        [LoggerMessage(611, LogLevel.Warning, "Node {NodeId} cannot listen for cluster requests yet: {Why}; retried at the next report")]
        public static partial void ListenFailed(ILogger logger, string nodeId, string why);

        [LoggerMessage(612, LogLevel.Warning, "Answering a cluster request from node {NodeId} failed")]
        public static partial void AnswerFailed(ILogger logger, Exception exception, string nodeId);
    }
}
