using System.Net;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;

namespace PubSub.Server.Hosting;

/// <summary>
/// Reverse proxies whose <c>X-Forwarded-For</c> and <c>X-Forwarded-Proto</c> the node believes, section
/// <c>PubSub:ForwardedHeaders</c>. With none listed (the default) the headers are ignored: anyone could send them.
/// With a proxy listed, a request from it gets the client's address (connection lists, rate limits by address) and
/// scheme (the origin check, behind a TLS proxy) from them, through ASP.NET Core's forwarded-headers middleware.
/// </summary>
public sealed class ForwardedHeadersSettings
{
    public const string SectionName = "PubSub:ForwardedHeaders";

    /// <summary>Addresses of trusted proxies, e.g. <c>10.0.0.5</c>.</summary>
    public List<string> KnownProxies { get; set; } = [];

    /// <summary>Networks of trusted proxies in CIDR form, e.g. <c>172.28.0.0/16</c>.</summary>
    public List<string> KnownNetworks { get; set; } = [];

    /// <summary>Proxy hops to unwind from <c>X-Forwarded-For</c>. Default 1.</summary>
    public int ForwardLimit { get; set; } = 1;

    internal bool Enabled => KnownProxies.Count > 0 || KnownNetworks.Count > 0;
}

internal sealed class ForwardedHeadersSettingsValidator : IValidateOptions<ForwardedHeadersSettings>
{
    public ValidateOptionsResult Validate(string? name, ForwardedHeadersSettings options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.KnownProxies.Count; i++)
        {
            if (!IPAddress.TryParse(options.KnownProxies[i], out _))
            {
                failures.Add($"{ForwardedHeadersSettings.SectionName}:KnownProxies:{i} must be an IP address (was '{options.KnownProxies[i]}').");
            }
        }

        for (var i = 0; i < options.KnownNetworks.Count; i++)
        {
            if (!System.Net.IPNetwork.TryParse(options.KnownNetworks[i], out _))
            {
                failures.Add($"{ForwardedHeadersSettings.SectionName}:KnownNetworks:{i} must be a network like 10.0.0.0/8 (was '{options.KnownNetworks[i]}').");
            }
        }

        if (options.ForwardLimit is < 1 or > 10)
        {
            failures.Add($"{ForwardedHeadersSettings.SectionName}:ForwardLimit must be between 1 and 10 (was {options.ForwardLimit}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

internal static class ForwardedHeadersRegistration
{
    public static IServiceCollection AddPubSubForwardedHeaders(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<ForwardedHeadersSettings>().Bind(config.GetSection(ForwardedHeadersSettings.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ForwardedHeadersSettings>, ForwardedHeadersSettingsValidator>();
        services.AddOptions<ForwardedHeadersOptions>().Configure<IOptions<ForwardedHeadersSettings>>((forwarded, settings) =>
        {
            forwarded.ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto;
            forwarded.ForwardLimit = settings.Value.ForwardLimit;

            // Only the listed proxies: the framework's default (loopback) would trust any local process.
            forwarded.KnownProxies.Clear();
            forwarded.KnownIPNetworks.Clear();
            foreach (var proxy in settings.Value.KnownProxies)
            {
                forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
            }

            foreach (var network in settings.Value.KnownNetworks)
            {
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
            }
        });
        return services;
    }

    /// <summary>First in the pipeline (when a proxy is listed), so everything after sees the client's address and scheme.</summary>
    public static WebApplication UsePubSubForwardedHeaders(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<ForwardedHeadersSettings>>().Value.Enabled)
        {
            app.UseForwardedHeaders();
        }

        return app;
    }
}
