using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using PubSub.Core;

namespace PubSub.Server.Limits;

/// <summary>
/// Kestrel connection middleware on every endpoint that counts open TCP connections and closes one over
/// <see cref="LimitOptions.MaxConnections"/> (<c>PubSub:Limits:MaxConnections</c>) straight after accepting it, so descriptors never run out:
/// in Kestrel's accept loop (<see cref="GatedConnectionListener"/> calls <see cref="TryAdmit"/>), and here for a transport that
/// does not go through it.
/// Kestrel's own <c>MaxConcurrentConnections</c> stops counting a connection once it upgrades to a WebSocket; this
/// counts it until it closes.
/// </summary>
internal sealed partial class ConnectionGate
{
    private readonly ILogger<ConnectionGate> _logger;
    private int _open;
    private long _refused;

    public ConnectionGate(IOptions<PubSubOptions> options, ILogger<ConnectionGate> logger)
    {
        _logger = logger;
        var limit = OpenFileLimit.Read();
        Max = options.Value.Limits.MaxConnections ?? OpenFileLimit.DefaultMaxConnections(limit);
        Log.Started(logger, limit?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unknown", Max);
    }

    /// <summary>The cap in force.</summary>
    public int Max { get; }

    /// <summary>Connections open now.</summary>
    public int Open => Volatile.Read(ref _open);

    /// <summary>Connections closed on arrival since start.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>
    /// Takes a place for a connection just accepted, or refuses it when none is left (<see cref="GatedConnectionListener"/>,
    /// in the accept loop). The place is the connection's from then on: <see cref="OnConnectionAsync"/> does not count it
    /// again, and gives it back when the connection closes.
    /// </summary>
    public bool TryAdmit(ConnectionContext connection)
    {
        if (!TakePlace(connection))
        {
            return false;
        }

        connection.Items[AdmittedKey] = AdmittedKey;
        return true;
    }

    private static readonly object AdmittedKey = new();

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        // Admitted in the accept loop already, or (a transport that does not go through it) here.
        if (!connection.Items.Remove(AdmittedKey) && !TakePlace(connection))
        {
            return;
        }

        try
        {
            await next(connection);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    /// <summary>Counts <paramref name="connection"/> in, or, at the cap, refuses it: counted, logged once per thousand, aborted.</summary>
    private bool TakePlace(ConnectionContext connection)
    {
        if (Interlocked.Increment(ref _open) <= Max)
        {
            return true;
        }

        Interlocked.Decrement(ref _open);
        var refused = Interlocked.Increment(ref _refused);

        // One line per thousand: a flood must not become a log flood.
        if (refused % 1000 == 1)
        {
            Log.Refused(_logger, Max, refused);
        }

        connection.Abort(new ConnectionAbortedException("PubSub:Limits:MaxConnections reached"));
        return false;
    }

    private static partial class Log
    {
        [LoggerMessage(401, LogLevel.Information, "Open-file limit {Limit}; connections capped at {MaxConnections} (PubSub:Limits:MaxConnections)")]
        public static partial void Started(ILogger logger, string limit, int maxConnections);

        [LoggerMessage(402, LogLevel.Warning, "Connection cap {MaxConnections} reached: new connections are closed on arrival ({Refused} so far)")]
        public static partial void Refused(ILogger logger, int maxConnections, long refused);
    }
}
