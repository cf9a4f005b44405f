using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PubSub.Core;

namespace PubSub.Server.Limits;

/// <summary>Registers the connection cap on every Kestrel endpoint, and Kestrel's own options from configuration.</summary>
internal static class ConnectionLimitRegistration
{
    public static WebApplicationBuilder AddPubSubConnectionLimits(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        // The cap is PubSub:Limits:MaxConnections, bound with the broker's other limits (AddPubSub validates them on start).
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PubSubOptions>, ConnectionLimitValidator>());
        services.AddSingleton<ConnectionGate>();

        // The cap also applies in the accept loop (GatedConnectionListener). Registered last: Kestrel takes the last
        // registered transport that can bind an endpoint.
        services.AddSingleton<IConnectionListenerFactory>(sp => new GatedConnectionListenerFactory(
            ActivatorUtilities.CreateInstance<SocketTransportFactory>(sp), sp.GetRequiredService<ConnectionGate>()));

        // The default host hands the "Kestrel" section only to Kestrel's endpoint loader (Endpoints, Certificates,
        // EndpointDefaults), which never reads Limits: Kestrel__Limits__MaxConcurrentConnections had no effect.
        // Binding the section onto the options makes Kestrel:Limits:* and the other plain Kestrel settings work.
        var kestrelSection = builder.Configuration.GetSection("Kestrel");
        services.Configure<KestrelServerOptions>(kestrelSection);
        services.PostConfigure<KestrelServerOptions>(kestrel =>
        {
            // The binder fills existing objects and MinDataRate has no setters: build the rates from their keys.
            var limits = kestrelSection.GetSection("Limits");
            kestrel.Limits.MinRequestBodyDataRate = Rate(limits.GetSection("MinRequestBodyDataRate"), kestrel.Limits.MinRequestBodyDataRate);
            kestrel.Limits.MinResponseDataRate = Rate(limits.GetSection("MinResponseDataRate"), kestrel.Limits.MinResponseDataRate);
        });
        services.AddOptions<KestrelServerOptions>().Configure<ConnectionGate>((kestrel, gate) =>
            kestrel.ConfigureEndpointDefaults(listen => listen
                .Use(next => connection => gate.OnConnectionAsync(connection, next))

                // Here too, because endpoint defaults are one action: a /ws session leaves its HTTP request (ConnectionHandoff).
                .Use(next => connection => WebSockets.ConnectionHandoff.OnConnectionAsync(connection, next))));
        return builder;
    }

    private static MinDataRate? Rate(IConfigurationSection section, MinDataRate? current) =>
        section.Exists()
            ? new MinDataRate(section.GetValue("BytesPerSecond", current?.BytesPerSecond ?? 240), section.GetValue("GracePeriod", current?.GracePeriod ?? TimeSpan.FromSeconds(5)))
            : current;
}
