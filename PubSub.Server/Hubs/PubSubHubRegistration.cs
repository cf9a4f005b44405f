using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;
using PubSub.Server.Hosting;

namespace PubSub.Server.Hubs;

/// <summary>Registration of the SignalR hub <c>/hubs/pubsub</c>: one call each from the server's composition.</summary>
public static class PubSubHubRegistration
{
    /// <summary>The hub's path.</summary>
    public const string Path = "/hubs/pubsub";

    /// <summary>SignalR with the JSON and MessagePack protocols, the hub's lifetime manager, filter, limits and shutdown.</summary>
    public static IServiceCollection AddPubSubHub(this IServiceCollection services)
    {
        // AddHubOptions (not a bare Configure) is what makes SignalR use per-hub options for this hub at all.
        services.AddSignalR()
            .AddMessagePackProtocol()
            .AddHubOptions<PubSubHub>(hub =>
            {
                hub.EnableDetailedErrors = false;
                hub.AddFilter<PubSubHubFilter>();
            });

        // Same request size limit as a /ws frame.
        services.AddOptions<HubOptions<PubSubHub>>().Configure<IOptions<WsEndpointOptions>>((hub, ws) => hub.MaximumReceiveMessageSize = ws.Value.MaxFrameBytes);

        // SignalR logs every failed invocation as an error with a stack trace, a refused request from a client
        // included (TOPIC_NOT_FOUND, BAD_REQUEST…). /ws does not log those; unexpected failures are still logged,
        // by PubSubHubFilter, as INTERNAL.
        services.AddLogging(logging => logging.AddFilter("Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher", LogLevel.Critical));

        services.AddSingleton<HubLifetimeManager<PubSubHub>, PubSubHubLifetimeManager>();
        services.AddSingleton<HubShutdown>();

        // Registered after SignalR's own protocols, so the resolver (last one of a name wins) hands these out.
        services.AddSingleton<IHubProtocol>(sp => new ErrorCodeHubProtocol(new JsonHubProtocol(sp.GetRequiredService<IOptions<JsonHubProtocolOptions>>())));
        services.AddSingleton<IHubProtocol>(sp => new ErrorCodeHubProtocol(new MessagePackHubProtocol(sp.GetRequiredService<IOptions<MessagePackHubProtocolOptions>>())));
        return services;
    }

    /// <summary>Maps the hub at <see cref="Path"/>. With auth on, the fallback policy makes negotiate and connect require a key.</summary>
    public static HubEndpointConventionBuilder MapPubSubHub(this IEndpointRouteBuilder endpoints) => endpoints.MapHub<PubSubHub>(Path);
}
