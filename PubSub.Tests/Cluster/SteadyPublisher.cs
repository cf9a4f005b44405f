using System.Diagnostics;
using System.Text.Json;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Cluster;

/// <summary>
/// A careful /ws publisher for fault tests, publishing in the background until stopped: numbered messages
/// (payload <c>{"n": 1}</c>, <c>{"n": 2}</c>, …) one after another, each with a message id and an idempotency key of its
/// own, a refused one (<c>UNAVAILABLE</c>) sent again with the same id and key until it is acked, as PROTOCOL.md §2 and §8
/// let a client do without publishing twice. Every reply must come within <see cref="ReplyTimeout"/> and be the ack or
/// an <c>UNAVAILABLE</c> error of that very request; anything else (<c>INTERNAL</c>, another code, a reply to another
/// request, no reply) ends the run with an exception, rethrown by <see cref="UntilAckedAsync"/> and <see cref="StopAsync"/>.
/// </summary>
internal sealed class SteadyPublisher : IAsyncDisposable
{
    /// <summary>How long a publish may wait for its reply: several Redis operation timeouts, never a hang.</summary>
    public static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(5);

    private readonly WsClient _client;
    private readonly string _topic;
    private readonly CancellationTokenSource _stop = new();
    private readonly Dictionary<int, long> _acked = []; // message number → the seq its ack gave; guarded by itself
    private readonly HashSet<string> _refusals = [];
    private Task _run = Task.CompletedTask;

    private SteadyPublisher(WsClient client, string topic)
    {
        _client = client;
        _topic = topic;
    }

    /// <summary>How many messages have been acked.</summary>
    public int Acked
    {
        get
        {
            lock (_acked)
            {
                return _acked.Count;
            }
        }
    }

    /// <summary>How many publishes were refused with <c>UNAVAILABLE</c> (each sent again).</summary>
    public int Refused { get; private set; }

    /// <summary>How many acks said <c>"duplicate": true</c>: a publish refused after a timeout had been stored after all.</summary>
    public int Duplicates { get; private set; }

    /// <summary>The longest wait for a reply.</summary>
    public TimeSpan SlowestReply { get; private set; }

    public static async Task<SteadyPublisher> StartAsync(TestServer node, string topic)
    {
        var publisher = new SteadyPublisher(await node.ConnectAsync(), topic);
        publisher._run = Task.Run(publisher.RunAsync);
        return publisher;
    }

    /// <summary>Waits until <paramref name="count"/> messages in all are acked.</summary>
    public async Task UntilAckedAsync(int count, TimeSpan? timeout = null)
    {
        try
        {
            await Waits.UntilAsync(() => Acked >= count || _run.IsCompleted, timeout ?? Timeouts.Long);
        }
        catch (OperationCanceledException)
        {
            throw new Xunit.Sdk.XunitException($"{count} acks expected, {Acked} in {timeout ?? Timeouts.Long} ({Refused} refused: {Refusals})");
        }

        await (_run.IsCompleted ? _run : Task.CompletedTask);
    }

    /// <summary>Stops after the message being published is acked; returns every message's number and the seq its ack gave.</summary>
    public async Task<IReadOnlyDictionary<int, long>> StopAsync()
    {
        await _stop.CancelAsync();
        await _run.Within(Timeouts.Long);
        lock (_acked)
        {
            return new Dictionary<int, long>(_acked);
        }
    }

    /// <summary>The distinct messages of the refusals, for a test's output.</summary>
    public string Refusals
    {
        get
        {
            lock (_refusals)
            {
                return string.Join(" | ", _refusals);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stop.CancelAsync().Within();
            await _run.WaitAsync(Timeouts.Long).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        finally
        {
            await _client.DisposeAsync();
            _stop.Dispose();
        }
    }

    private async Task RunAsync()
    {
        for (var n = 1; !_stop.IsCancellationRequested; n++)
        {
            var id = Guid.NewGuid().ToString();
            for (var attempt = 1; ; attempt++)
            {
                var requestId = $"{n}.{attempt}";
                await _client.SendAsync(new Dictionary<string, object?>
                {
                    ["type"] = "publish",
                    ["topic"] = _topic,
                    ["client_id"] = "steady",
                    ["message"] = new Dictionary<string, object?> { ["id"] = id, ["payload"] = new { n } },
                    ["request_id"] = requestId,
                    ["idempotency_key"] = $"m{n}",
                });
                var clock = Stopwatch.StartNew();
                var reply = await _client.TryReceiveAsync(ReplyTimeout)
                    ?? throw new Xunit.Sdk.XunitException($"publish {requestId} had no reply within {ReplyTimeout}");
                SlowestReply = clock.Elapsed > SlowestReply ? clock.Elapsed : SlowestReply;
                if (!reply.TryGetProperty("request_id", out var echoed) || echoed.GetString() != requestId)
                {
                    throw new Xunit.Sdk.XunitException($"publish {requestId} answered by another reply: {reply}");
                }

                if (reply.GetProperty("type").GetString() == "ack")
                {
                    Duplicates += reply.TryGetProperty("duplicate", out var duplicate) && duplicate.GetBoolean() ? 1 : 0;
                    lock (_acked)
                    {
                        _acked[n] = reply.GetProperty("seq").GetInt64();
                    }

                    break;
                }

                var error = reply.GetProperty("type").GetString() == "error" ? reply.GetProperty("error") : default;
                if (error.ValueKind != JsonValueKind.Object || error.GetProperty("code").GetString() != "UNAVAILABLE")
                {
                    throw new Xunit.Sdk.XunitException($"publish {requestId} answered neither ack nor UNAVAILABLE: {reply}");
                }

                Refused++;
                lock (_refusals)
                {
                    _refusals.Add(error.GetProperty("message").GetString() ?? "");
                }

                await Task.Delay(50); // a client's pause before sending a refused publish again, not a signal
            }
        }
    }
}
