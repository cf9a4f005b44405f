using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PubSub.Core.Engine;
using PubSub.Core.Engine.Redis;

namespace PubSub.Core.Hosting;

/// <summary>Registration of the Redis engine: <c>services.AddPubSub(…).AddRedisEngine(configuration.GetSection("PubSub:Redis"))</c>.</summary>
public static class RedisEngineRegistration
{
    /// <summary>
    /// Switches the broker to the Redis engine (scale-out), options bound from <paramref name="section"/> (usually
    /// <c>configuration.GetSection("PubSub:Redis")</c>) and validated on start.
    /// </summary>
    public static IPubSubBuilder AddRedisEngine(this IPubSubBuilder builder, IConfiguration? section = null, Action<RedisEngineOptions>? configure = null)
    {
        var options = builder.Services.AddOptions<RedisEngineOptions>();
        if (section is not null)
        {
            options.Bind(section);
        }

        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisEngineOptions>, RedisEngineOptionsValidator>());
        builder.Services.RemoveAll<IPubSubEngine>();
        builder.Services.TryAddSingleton<RedisShards>();
        builder.Services.TryAddSingleton<RedisEngine>();
        builder.Services.TryAddSingleton<RedisLayoutUpgrade>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RedisLayoutUpgrade>());
        builder.Services.TryAddSingleton<RedisPolicyCheck>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RedisPolicyCheck>());
        builder.Services.TryAddSingleton<RedisLinkProbe>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RedisLinkProbe>());
        builder.Services.AddSingleton<IPubSubEngine>(sp => sp.GetRequiredService<RedisEngine>());
        builder.Services.RemoveAll<Cluster.IClusterBus>();
        builder.Services.AddSingleton<Cluster.IClusterBus, RedisClusterBus>();
        return builder;
    }
}
