using System.Net.WebSockets;
using Microsoft.Extensions.Options;
using PubSub.Core;
using PubSub.Core.Delivery;
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

        var options = services.GetRequiredService<IOptions<WsEndpointOptions>>().Value;
        var broker = services.GetRequiredService<PubSubBroker>();
        var dialect = services.GetRequiredService<IWsDialect>();
        var (upgraded, error, status) = await WsHandshake.AcceptAsync(http);
        if (upgraded is null)
        {
            await ApiErrors.WriteAsync(http, status, error!, "BAD_REQUEST");
            return;
        }

        var stream = new BatchingStream(upgraded);
        using var socket = WebSocket.CreateFromStream(stream, new WebSocketCreationOptions
        {
            IsServer = true,
            KeepAliveInterval = options.KeepAliveInterval,

            // With a timeout the socket sends pings (not unsolicited pongs) and aborts when no pong comes back in time.
            KeepAliveTimeout = options.KeepAliveTimeout > TimeSpan.Zero ? options.KeepAliveTimeout : Timeout.InfiniteTimeSpan,
        });
        stream.Disposing = () =>
        {
            if (socket.State == WebSocketState.Aborted)
            {
                http.Abort(); // wakes the receive loop's pending read; the session then ends as for a vanished client
            }
        };
        var connection = broker.Connect(new ClientInfo("ws", http.Connection.RemoteIpAddress?.ToString(), http.Request.Headers.UserAgent.ToString() is { Length: > 0 } ua ? ua : null) { Rules = dialect.Rules, User = http.User });
        var limits = services.GetRequiredService<RateLimiting>().ForConnection(http.User);
        var session = new WsSession(
            socket,
            stream,
            http,
            connection,
            broker,
            services.GetRequiredService<IPubSubAuthorizer>(),
            options,
            dialect,
            services.GetRequiredService<IOptions<ShutdownOptions>>().Value,
            limits,
            services.GetRequiredService<TimeProvider>(),
            services.GetRequiredService<ILoggerFactory>().CreateLogger("PubSub.Server.WebSockets"));
        await session.RunAsync(lifetime.ApplicationStopping);
    }
}
