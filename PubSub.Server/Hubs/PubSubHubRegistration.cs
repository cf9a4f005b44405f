using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection.Extensions;
using StackExchange.Redis;
using Microsoft.Extensions.Options;
using PubSub.Core;

namespace PubSub.Server.Hubs;

/// <summary>Registration of the SignalR hub <c>/hubs/pubsub</c>: one call each from the server's composition.</summary>
public static class PubSubHubRegistration
{
    /// <summary>The hub's path.</summary>
    public const string Path = "/hubs/pubsub";

    /// <summary>
    /// SignalR with the JSON and MessagePack protocols, the hub's lifetime manager, filter, limits and shutdown. With
    /// <paramref name="redis"/> (the Redis engine's configuration), SignalR's Redis backplane serves this hub, so
    /// <c>IHubContext&lt;PubSubHub&gt;</c> reaches its connections on every node; other hubs (Blazor's circuits) stay in memory.
    /// </summary>
    public static IServiceCollection AddPubSubHub(this IServiceCollection services, string? redis = null, string keyPrefix = "pubsub:")
    {
        // AddHubOptions (not a bare Configure) is what makes SignalR use per-hub options for this hub at all.
        var signalR = services.AddSignalR();
        signalR
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

        // SignalR's own manager for this hub, under ours: in memory, or the Redis backplane.
        var inner = redis is null ? typeof(DefaultHubLifetimeManager<PubSubHub>) : typeof(RedisHubLifetimeManager<PubSubHub>);
        services.AddSingleton(sp => ActivatorUtilities.CreateInstance<PubSubHubLifetimeManager>(sp, (HubLifetimeManager<PubSubHub>)ActivatorUtilities.CreateInstance(sp, inner)));
        if (redis is not null)
        {
            signalR.AddStackExchangeRedis(redis, backplane =>
            {
                backplane.Configuration.ChannelPrefix = RedisChannel.Literal(keyPrefix + "signalr:");
                backplane.Configuration.AbortOnConnectFail = false; // start, and take hub connections, without Redis
                backplane.Configuration.BacklogPolicy = BacklogPolicy.FailFast;
                backplane.Configuration.ClientName ??= "pubsub-signalr";
            });

            // AddStackExchangeRedis makes the backplane every hub's manager; Blazor's circuit hub must stay in memory so
            // that dashboards keep working while Redis is away (dotnet/aspnetcore#58971): only this hub gets it.
            services.RemoveAll(typeof(HubLifetimeManager<>));
            services.AddSingleton(typeof(HubLifetimeManager<>), typeof(DefaultHubLifetimeManager<>));
        }

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
