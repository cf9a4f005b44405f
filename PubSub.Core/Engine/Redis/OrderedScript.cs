using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace PubSub.Core.Engine.Redis;

/// <summary>
/// Runs the hot scripts by their SHA1 (EVALSHA) and keeps this node's calls in the order they were sent when Redis
/// forgets its scripts (a restart, a failover, <c>SCRIPT FLUSH</c>): sending the whole script with every call
/// (EVAL) would keep the order too, but makes Redis hash the text each time (about a fifth of a publish's cost).
/// </summary>
/// <remarks>
/// <para>A call answered NOSCRIPT did not run, and neither did any call sent after it: the script text carries this
/// process's own marker, so no other node's reload can make a later call of ours succeed before an earlier one is
/// retried. After the first NOSCRIPT, new calls are held; once every call in flight has come back, the script is
/// loaded again and the calls that failed and those held are sent, in the order they were made.</para>
/// <para>The order holds across the scripts of one instance (a keyed and an unkeyed publish of one connection).
/// Each process start adds its copies (about 1 KiB each) to Redis's script cache (which only <c>SCRIPT FLUSH</c> or a
/// restart empties).</para>
/// </remarks>
internal sealed class OrderedScript
{
    private readonly string[] _texts;
    private readonly byte[][] _shas;
    private readonly Lock _lock = new();
    private long _nextTicket;
    private int _inFlight;
    private Recovery? _recovery;

    public OrderedScript(params string[] scripts)
    {
        var marker = Guid.NewGuid().ToString("N");
        _texts = [.. scripts.Select(script => $"-- {marker}\n{script}")];
#pragma warning disable CA5350 // Redis names a script by its SHA1: an identifier, not a security measure
        _shas = [.. _texts.Select(text => SHA1.HashData(Encoding.UTF8.GetBytes(text)))];
#pragma warning restore CA5350
    }

    /// <summary>Runs the script; a call that fails NOSCRIPT is run again, in order, once the script is back.</summary>
    /// <param name="db">Where to run it.</param>
    /// <param name="script">Which script: its index among the constructor's.</param>
    /// <param name="keys">KEYS.</param>
    /// <param name="args">ARGV.</param>
    public Task<RedisResult> EvaluateAsync(IDatabaseAsync db, int script, RedisKey[] keys, RedisValue[] args)
    {
        Call call;
        Task<RedisResult> sent;
        lock (_lock)
        {
            // Tickets are taken in the order of the calls, and sent under the lock: that is the order on the connection.
            call = new Call(_nextTicket++, script, keys, args);
            if (_recovery is { } recovery)
            {
                recovery.Held.Add(call); // sent by the recovery, after the calls that failed
                return call.Retried.Task;
            }

            sent = Send(db, call);
        }

        return CompleteAsync(db, call, sent);
    }

    /// <summary>Sends one call; under the lock.</summary>
    private Task<RedisResult> Send(IDatabaseAsync db, Call call)
    {
        var sent = db.ScriptEvaluateAsync(_shas[call.Script], call.Keys, call.Args);
        _inFlight++;
        return sent;
    }

    private async Task<RedisResult> CompleteAsync(IDatabaseAsync db, Call call, Task<RedisResult> sent)
    {
        await ((Task)sent).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var noScript = sent.Exception?.InnerException is RedisServerException ex && ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal);
        Recovery? start = null;
        lock (_lock)
        {
            if (noScript)
            {
                (_recovery ??= new Recovery()).Held.Add(call);
            }

            if (--_inFlight == 0 && _recovery is { Started: false } recovery)
            {
                recovery.Started = true;
                start = recovery;
            }
        }

        if (start is not null)
        {
            _ = RecoverAsync(db, start);
        }

        return noScript ? await call.Retried.Task.ConfigureAwait(false) : await sent.ConfigureAwait(false);
    }

    /// <summary>Every call in flight has come back: load the script and send what failed or waited, in order.</summary>
    private async Task RecoverAsync(IDatabaseAsync db, Recovery recovery)
    {
        Exception? failure = null;
        try
        {
            // Every server: on a Redis Cluster each keeps its own cache and a script is run by the one owning the keys; a
            // replica that is being promoted (a failover) needs it next, and the client may still list it as a replica.
            foreach (var server in db.Multiplexer.GetServers().Where(s => s.IsConnected))
            {
                try
                {
                    foreach (var text in _texts)
                    {
                        await server.ScriptLoadAsync(text).ConfigureAwait(false);
                    }
                }
                catch (Exception) when (server.IsReplica)
                {
                    // Best effort on a replica (it may be loading its data set); a primary must take them.
                }
            }
        }
        catch (Exception ex)
        {
            failure = ex; // Redis is gone again: none of them ran. The next call finds out whether the script is back.
        }

        var resent = new List<(Call Call, Task<RedisResult> Sent)>();
        List<Call> held;
        lock (_lock)
        {
            _recovery = null;
            held = [.. recovery.Held.OrderBy(c => c.Ticket)];
            if (failure is null)
            {
                foreach (var call in held)
                {
                    resent.Add((call, Send(db, call)));
                }
            }
        }

        if (failure is not null)
        {
            foreach (var call in held)
            {
                call.Retried.TrySetException(failure);
            }

            return;
        }

        foreach (var (call, sent) in resent)
        {
            _ = ForwardAsync(db, call, sent);
        }
    }

    // A call sent again completes its first caller's task; failing NOSCRIPT once more, it is held by the next recovery,
    // which sets that task itself (then the result set here is the same one, and ignored).
    private async Task ForwardAsync(IDatabaseAsync db, Call call, Task<RedisResult> sent)
    {
        try
        {
            call.Retried.TrySetResult(await CompleteAsync(db, call, sent).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            call.Retried.TrySetException(ex);
        }
    }

    private sealed record Call(long Ticket, int Script, RedisKey[] Keys, RedisValue[] Args)
    {
        /// <summary>The result of the call once it has run after a recovery.</summary>
        public TaskCompletionSource<RedisResult> Retried { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Recovery
    {
        /// <summary>The calls that failed NOSCRIPT and those made since: none has run.</summary>
        public List<Call> Held { get; } = [];

        public bool Started { get; set; }
    }
}
