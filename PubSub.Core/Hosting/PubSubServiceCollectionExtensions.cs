using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PubSub.Core.Access;
using PubSub.Core.Cluster;
using PubSub.Core.Delivery;
using PubSub.Core.Engine;

namespace PubSub.Core.Hosting;

/// <summary>Registration of the broker: <c>services.AddPubSub(configuration)</c>.</summary>
public static class PubSubServiceCollectionExtensions
{
    /// <summary>
    /// Adds the broker with the in-memory engine, options bound from <paramref name="section"/> (usually
    /// <c>configuration.GetSection("PubSub")</c>) and validated on start.
    /// </summary>
    public static IPubSubBuilder AddPubSub(this IServiceCollection services, IConfiguration? section = null, Action<PubSubOptions>? configure = null)
    {
        var options = services.AddOptions<PubSubOptions>();
        if (section is not null)
        {
            options.Bind(section);
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PubSubOptions>, PubSubOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        // Auth off unless the host registers the authorizer every door shares (the server does).
        services.TryAddSingleton<IPubSubAuthorizer, OpenAuthorizer>();
        services.TryAddSingleton<LocalFanout>();
        services.TryAddSingleton<ILocalFanout>(sp => sp.GetRequiredService<LocalFanout>());
        services.TryAddSingleton<IPubSubEngine, InMemoryEngine>();
        services.TryAddSingleton(sp => new NodeIdentity(sp.GetRequiredService<IOptions<PubSubOptions>>(), sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<ClusterFigures>();
        services.TryAddSingleton(sp => new PubSubBroker(
            sp.GetRequiredService<IPubSubEngine>(),
            sp.GetRequiredService<LocalFanout>(),
            sp.GetRequiredService<IOptions<PubSubOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<PubSubBroker>>(),
            sp.GetRequiredService<NodeIdentity>(),
            sp.GetRequiredService<ClusterFigures>(),
            sp.GetRequiredService<IPubSubAuthorizer>()));

        // A cluster of one unless an engine registers an IClusterBus (the Redis engine does).
        services.TryAddSingleton(sp => new ClusterNode(
            sp.GetRequiredService<PubSubBroker>(),
            sp.GetRequiredService<ClusterFigures>(),
            sp.GetRequiredService<IOptions<PubSubOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ClusterNode>>(),
            sp.GetService<IClusterBus>(),
            sp.GetRequiredService<ClusterReportLoop>()));
        services.TryAddSingleton(sp => new ClusterRequestServer(sp.GetRequiredService<PubSubBroker>(), sp.GetService<IClusterBus>()));
        services.TryAddSingleton(sp => new ClusterReportLoop(
            sp.GetRequiredService<PubSubBroker>(),
            sp.GetRequiredService<ClusterFigures>(),
            sp.GetRequiredService<IOptions<PubSubOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<ClusterReportLoop>>(),
            sp.GetService<IClusterBus>()));
        services.AddHostedService<ClusterReporter>();
        services.AddMetrics();
        services.TryAddSingleton<PubSubMeter>();
        services.TryAddSingleton<PubSubMetrics>();
        return new PubSubBuilder(services);
    }

    private sealed class PubSubBuilder(IServiceCollection services) : IPubSubBuilder
    {
        public IServiceCollection Services { get; } = services;
    }
}
