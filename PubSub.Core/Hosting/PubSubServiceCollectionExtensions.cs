using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using PubSub.Core.Access;
using PubSub.Core.Cluster;
using PubSub.Core.Delivery;
using PubSub.Core.Engine;
using PubSub.Core.Engine.Redis;

namespace PubSub.Core.Hosting;

/// <summary>
/// Registration of the broker: <c>services.AddPubSub(configuration.GetSection("PubSub"))</c>, and for scale-out
/// <c>.AddPubSubRedisEngine(configuration.GetSection("PubSub:Redis"))</c>; on a health checks builder, the engine's
/// readiness checks.
/// </summary>
public static class PubSubServiceCollectionExtensions
{
    /// <summary>
    /// Adds the broker with the in-memory engine, options bound from <paramref name="section"/> (usually
    /// <c>configuration.GetSection("PubSub")</c>) and validated on start.
    /// </summary>
    public static IServiceCollection AddPubSub(this IServiceCollection services, IConfiguration? section = null, Action<PubSubOptions>? configure = null)
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
        services.AddHostedService<PubSubMetricsStart>();
        return services;
    }

    /// <summary>
    /// Switches the broker to the Redis engine (scale-out), options bound from <paramref name="section"/> (usually
    /// <c>configuration.GetSection("PubSub:Redis")</c>) and validated on start.
    /// </summary>
    public static IServiceCollection AddPubSubRedisEngine(this IServiceCollection services, IConfiguration? section = null, Action<RedisEngineOptions>? configure = null)
    {
        var options = services.AddOptions<RedisEngineOptions>();
        if (section is not null)
        {
            options.Bind(section);
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisEngineOptions>, RedisEngineOptionsValidator>());
        services.RemoveAll<IPubSubEngine>();
        services.TryAddSingleton<RedisShards>();
        services.TryAddSingleton<RedisEngine>();
        services.TryAddSingleton<RedisLayoutUpgrade>();
        services.AddHostedService(sp => sp.GetRequiredService<RedisLayoutUpgrade>());
        services.TryAddSingleton<RedisPolicyCheck>();
        services.AddHostedService(sp => sp.GetRequiredService<RedisPolicyCheck>());
        services.TryAddSingleton<RedisLinkProbe>();
        services.AddHostedService(sp => sp.GetRequiredService<RedisLinkProbe>());
        services.AddSingleton<IPubSubEngine>(sp => sp.GetRequiredService<RedisEngine>());
        services.TryAddSingleton<RedisReadiness>();
        services.RemoveAll<Cluster.IClusterBus>();
        services.AddSingleton<Cluster.IClusterBus, RedisClusterBus>();
        return services;
    }

    /// <summary>
    /// Adds the engine's readiness checks, tagged <paramref name="tags"/> (e.g. the tag a host's readiness probe runs):
    /// with the Redis engine <c>redis</c> (a PING on the engine's connection, 3 s at most), <c>cluster</c> (the other
    /// nodes list this one with its address), <c>redis-receiving-link</c> (this node hears its own probes on the link that
    /// carries events), <c>redis-shards</c> (degraded, not unhealthy, while the link to a shard other than the first is
    /// deaf) and <c>redis-policy</c> (Redis's eviction policy keeps the broker's keys); none with the in-memory engine,
    /// which is ready while the process serves. Each check's description says what is wrong.
    /// </summary>
    public static IHealthChecksBuilder AddPubSubReadinessChecks(this IHealthChecksBuilder checks, params string[] tags)
    {
        var services = checks.Services;

        // Decided when the checks are first built, not now: the engine may be registered after this call
        // (AddPubSubRedisEngine), and a readiness probe that silently left Redis out would call a deaf node ready.
        services.Configure<HealthCheckServiceOptions>(options =>
        {
            if (services.Any(d => d.ServiceType == typeof(RedisReadiness)))
            {
                foreach (var registration in ReadinessChecks.ForRedis(tags))
                {
                    options.Registrations.Add(registration);
                }
            }
        });
        return checks;
    }
}
