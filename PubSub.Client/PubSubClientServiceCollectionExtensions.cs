using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace PubSub.Client;

/// <summary>Registration of the PubSub clients for dependency injection.</summary>
public static class PubSubClientServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="PubSubClientOptions"/> (configured by <paramref name="configure"/>, validated when first read
    /// and, in a host, on start), one <see cref="PubSubClient"/> and one <see cref="PubSubRestClient"/> as singletons.
    /// </summary>
    public static IServiceCollection AddPubSubClient(this IServiceCollection services, Action<PubSubClientOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<PubSubClientOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PubSubClientOptions>>(PubSubClientOptionsValidator.Instance));
        services.TryAddSingleton<PubSubClient>();
        services.TryAddSingleton(sp => new PubSubRestClient(sp.GetRequiredService<IOptions<PubSubClientOptions>>().Value));
        return services;
    }
}
