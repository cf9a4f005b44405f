using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Options;
using PubSub.Core;

namespace PubSub.Server.Limits;

/// <summary>
/// Kestrel connection middleware on every endpoint that counts open TCP connections and closes one over
/// <see cref="LimitOptions.MaxConnections"/> (<c>PubSub:Limits:MaxConnections</c>) straight after accepting it, so descriptors never run out.
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

    public async Task OnConnectionAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        if (Interlocked.Increment(ref _open) > Max)
        {
            Interlocked.Decrement(ref _open);
            var refused = Interlocked.Increment(ref _refused);

            // One line per thousand: a flood must not become a log flood.
            if (refused % 1000 == 1)
            {
                Log.Refused(_logger, Max, refused);
            }

            connection.Abort(new ConnectionAbortedException("PubSub:Limits:MaxConnections reached"));
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

    private static partial class Log
    {
        [LoggerMessage(401, LogLevel.Information, "Open-file limit {Limit}; connections capped at {MaxConnections} (PubSub:Limits:MaxConnections)")]
        public static partial void Started(ILogger logger, string limit, int maxConnections);

        [LoggerMessage(402, LogLevel.Warning, "Connection cap {MaxConnections} reached: new connections are closed on arrival ({Refused} so far)")]
        public static partial void Refused(ILogger logger, int maxConnections, long refused);
    }
}
