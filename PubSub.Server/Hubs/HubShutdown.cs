using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using PubSub.Server.Hosting;

namespace PubSub.Server.Hubs;

/// <summary>
/// Graceful shutdown for hub connections: flush each queue, send <c>Info</c> <c>server_shutdown</c>, close.
/// </summary>
/// <remarks>
/// SignalR's connection manager closes every connection from its own <c>ApplicationStopping</c> callback, at
/// once, dropping whatever is still queued. Cancellation callbacks run last-registered first, and that
/// manager registers when the hub is mapped, before any connection exists; this class registers on the first
/// connection, so its callback runs first, and it blocks there (bounded by the flush timeout plus a moment
/// for the close) until every session has flushed and closed. Blocking is deliberate: it is the only point
/// at which SignalR still lets the frames out.
/// </remarks>
internal sealed partial class HubShutdown(IHostApplicationLifetime lifetime, IOptions<ShutdownOptions> options, ILogger<HubShutdown> logger)
{
    private static readonly TimeSpan CloseAllowance = TimeSpan.FromSeconds(3);

    private readonly ConcurrentDictionary<HubSession, byte> _sessions = new();
    private int _registered;

    public void Track(HubSession session)
    {
        if (Interlocked.Exchange(ref _registered, 1) == 0)
        {
            lifetime.ApplicationStopping.Register(OnStopping);
        }

        _sessions[session] = 0;
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            session.BeginShutdown(); // connected while shutting down: tell it at once
        }
    }

    public void Untrack(HubSession session) => _sessions.TryRemove(session, out _);

    private void OnStopping()
    {
        var sessions = _sessions.Keys.ToList();
        if (sessions.Count == 0)
        {
            return;
        }

        foreach (var session in sessions)
        {
            session.BeginShutdown();
        }

        var all = Task.WhenAll(sessions.Select(s => s.SendLoop));
        if (!all.Wait(options.Value.FlushTimeout + CloseAllowance))
        {
            Log.FlushTimedOut(logger, sessions.Count(s => !s.SendLoop.IsCompleted));
        }
    }

    private static partial class Log
    {
        [LoggerMessage(311, LogLevel.Warning, "Shutdown: {Count} hub connections did not finish flushing in time")]
        public static partial void FlushTimedOut(ILogger logger, int count);
    }
}
