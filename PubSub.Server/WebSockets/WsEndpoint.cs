using System.Net.WebSockets;
using System.Security.Claims;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;
using PubSub.Core;
using PubSub.Server.Api;
using PubSub.Core.Access;
using PubSub.Server.Hosting;

namespace PubSub.Server.WebSockets;

/// <summary>The raw JSON WebSocket endpoint, <c>/ws</c> and <c>/ws/</c> (PROTOCOL.md §2–5, or §9 in the seed dialect).</summary>
internal static class WsEndpoint
{
    public static IEndpointConventionBuilder MapPubSubWebSocket(this IEndpointRouteBuilder endpoints) =>
        endpoints.Map("/ws", HandleAsync).WithName("ws");

    private static async Task HandleAsync(HttpContext http)
    {
        var services = http.RequestServices;
        var lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        if (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            await ApiErrors.WriteAsync(http, StatusCodes.Status503ServiceUnavailable, "server is shutting down", "UNAVAILABLE");
            return;
        }

        var (upgraded, error, status) = await WsHandshake.AcceptAsync(http);
        if (upgraded is null)
        {
            await ApiErrors.WriteAsync(http, status, error!, "BAD_REQUEST");
            return;
        }

        // Everything the session needs from the request, taken now: once handed off, the request (its context, its
        // service scope) is gone.
        var start = new SessionStart(services, Shared(http.User), http.Connection.RemoteIpAddress?.ToString(), http.Request.Headers.UserAgent.ToString());
        if (http.Features.Get<IConnectionHandoffFeature>() is { } handoff && handoff.TryHandOff(start.RunAsync))
        {
            return;
        }

        // Not handed off (a host without ConnectionHandoff, a TLS endpoint, a read left open): the session keeps the request.
        await start.RunAsync(upgraded, http.Abort);
    }

    // A caller without a key (auth off) gets a fresh empty principal per request; each session would keep its own.
    private static readonly ClaimsPrincipal Anonymous = new(new ClaimsIdentity());

    /// <summary>The shared empty principal for a caller with no identity or claim, else <paramref name="user"/>.</summary>
    private static ClaimsPrincipal Shared(ClaimsPrincipal user) =>
        user.Identities.All(i => !i.IsAuthenticated && !i.Claims.Any()) ? Anonymous : user;

    /// <summary>A session's dependencies and its client's identity, resolved while the request was there.</summary>
    private sealed class SessionStart(IServiceProvider services, ClaimsPrincipal user, string? clientIp, string userAgent)
    {
        private readonly IHostApplicationLifetime _lifetime = services.GetRequiredService<IHostApplicationLifetime>();
        private readonly WsEndpointOptions _options = services.GetRequiredService<IOptions<WsEndpointOptions>>().Value;
        private readonly PubSubBroker _broker = services.GetRequiredService<PubSubBroker>();
        private readonly IWsDialect _dialect = services.GetRequiredService<IWsDialect>();
        private readonly RateLimiting _limits = services.GetRequiredService<RateLimiting>();
        private readonly IPubSubAuthorizer _keys = services.GetRequiredService<IPubSubAuthorizer>();
        private readonly ShutdownOptions _shutdown = services.GetRequiredService<IOptions<ShutdownOptions>>().Value;
        private readonly TimeProvider _time = services.GetRequiredService<TimeProvider>();
        private readonly ILogger _logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("PubSub.Server.WebSockets");

        // Kestrel's sender runs inline with a flush: the 101 is on the socket already (see DirectSendStream).
        private readonly bool _inlineSends = services.GetService<IOptions<SocketTransportOptions>>()?.Value.UnsafePreferInlineScheduling ?? false;

        /// <summary>The session on the bare connection, after the hand-off: sends go straight to the socket where they can.</summary>
        public Task RunAsync(ConnectionContext connection)
        {
            Stream transport = _inlineSends && connection.Features.Get<IConnectionSocketFeature>()?.Socket is { } tcp
                ? new DirectSendStream(connection.Transport, tcp)
                : new DuplexPipeStream(connection.Transport);
            return RunAsync(transport, connection.Abort);
        }

        /// <summary>The session on <paramref name="transport"/> (the raw bytes after the 101); <paramref name="abort"/> drops the TCP connection.</summary>
        public Task RunAsync(Stream transport, Action abort)
        {
            var stream = new BatchingStream(transport);
            var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions
            {
                IsServer = true,
                KeepAliveInterval = _options.KeepAliveInterval,

                // With a timeout the socket sends pings (not unsolicited pongs) and aborts when no pong comes back in time.
                KeepAliveTimeout = _options.KeepAliveTimeout > TimeSpan.Zero ? _options.KeepAliveTimeout : Timeout.InfiniteTimeSpan,
            });

            // The socket disposes its stream to abort (a keep-alive ping left unanswered); the pending read wakes only
            // when the connection is dropped.
            stream.AbortWith(socket, abort);
            var connection = _broker.Connect("ws", clientIp, userAgent is { Length: > 0 } ? userAgent : null, user, createTopics: _dialect.CreateTopics, replayOnResubscribe: _dialect.ReplayOnResubscribe);
            var session = new WsSession(
                socket,
                stream,
                user,
                abort,
                connection,
                _broker,
                _keys,
                _options,
                _dialect,
                _shutdown,
                _limits.ForConnection(user),
                _time,
                _logger);
            return session.RunAsync(_lifetime.ApplicationStopping);
        }
    }
}
