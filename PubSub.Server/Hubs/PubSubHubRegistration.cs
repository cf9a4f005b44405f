using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.Extensions.Options;
using PubSub.Core;

namespace PubSub.Server.Hubs;

/// <summary>Registration of the SignalR hub <c>/hubs/pubsub</c>: one call each from the server's composition.</summary>
public static class PubSubHubRegistration
{
    /// <summary>The hub's path.</summary>
    public const string Path = "/hubs/pubsub";

    /// <summary>
    /// SignalR with the JSON and MessagePack protocols, the hub's lifetime manager, filter, limits and shutdown. Every
    /// hub stays on SignalR's in-memory manager, with the Redis engine too: SignalR's Redis backplane is not used.
    /// </summary>
    /// <remarks>
    /// The backplane would reach a hub connection on another node through <c>IHubContext</c>, and nothing sends through
    /// it: topic events travel through the engine and each session writes them to its own connection, and a disconnect
    /// of a connection on another node travels on the cluster bus (PROTOCOL.md §8). It cost a second Redis multiplexer
    /// with its own threads and two Redis commands per hub connection (a SUBSCRIBE to the connection's channel on
    /// connect, an UNSUBSCRIBE on disconnect; docs/benchmarks.md). A future sender to hub connections on other nodes
    /// should publish through a topic or the cluster bus rather than bring it back.
    /// </remarks>
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

        // The same message size limit as /ws and REST.
        services.AddOptions<HubOptions<PubSubHub>>().Configure<IOptions<PubSubOptions>>((hub, pubsub) => hub.MaximumReceiveMessageSize = pubsub.Value.Limits.MaxMessageBytes);

        // SignalR logs every failed invocation as an error with a stack trace, a refused request from a client
        // included (TOPIC_NOT_FOUND, BAD_REQUEST…). /ws does not log those; unexpected failures are still logged,
        // by PubSubHubFilter, as INTERNAL.
        services.AddLogging(logging => logging.AddFilter("Microsoft.AspNetCore.SignalR.Internal.DefaultHubDispatcher", LogLevel.Critical));

        // SignalR's own in-memory manager for this hub, under ours.
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<PubSubHubLifetimeManager>(sp, ActivatorUtilities.CreateInstance<DefaultHubLifetimeManager<PubSubHub>>(sp)));
        services.AddSingleton<HubLifetimeManager<PubSubHub>>(sp => sp.GetRequiredService<PubSubHubLifetimeManager>());
        services.AddSingleton<HubShutdown>();

        // Registered after SignalR's own protocols, so the resolver (last one of a name wins) hands these out.
        services.AddSingleton<IHubProtocol>(sp => new ErrorCodeHubProtocol(new JsonHubProtocol(sp.GetRequiredService<IOptions<JsonHubProtocolOptions>>())));
        services.AddSingleton<IHubProtocol>(sp => new ErrorCodeHubProtocol(new MessagePackHubProtocol(sp.GetRequiredService<IOptions<MessagePackHubProtocolOptions>>())));
        return services;
    }

    /// <summary>Maps the hub at <see cref="Path"/>. With auth on, the fallback policy makes negotiate and connect require a key.</summary>
    public static HubEndpointConventionBuilder MapPubSubHub(this IEndpointRouteBuilder endpoints) => endpoints.MapHub<PubSubHub>(Path);
}
