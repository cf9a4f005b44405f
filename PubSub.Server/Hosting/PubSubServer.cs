using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using PubSub.Core.Access;
using PubSub.Core.Hosting;
using PubSub.Dashboard;
using PubSub.Server.Api;
using PubSub.Server.Auth;
using PubSub.Server.Hubs;
using PubSub.Server.Limits;
using PubSub.Server.WebSockets;

namespace PubSub.Server.Hosting;

/// <summary>The host's composition: what <c>Program.cs</c> calls, and what tests call to run the same server.</summary>
public static class PubSubServer
{
    /// <summary>Where the server listens when nothing else is configured.</summary>
    public const string DefaultUrl = "http://localhost:8000";

    /// <summary>Configuration key of Kestrel's inline scheduling (default on).</summary>
    public const string InlineSchedulingKey = "PubSub:Kestrel:InlineScheduling";

    /// <summary>
    /// Builds the server exactly as <c>Program.cs</c> runs it; <paramref name="configure"/> (tests, embedding
    /// hosts) runs first and can add configuration or register its own services in place of the defaults.
    /// </summary>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // ApplicationName pinned to this assembly: a test host's entry assembly is testhost, and the static web assets
        // manifest (dashboard css/js, blazor.web.js) is found by application name.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
            ApplicationName = typeof(PubSubServer).Assembly.GetName().Name,
        });

        // First, so that configuration added here is seen below and services registered here win over the
        // defaults (AddPubSub registers with TryAdd).
        configure?.Invoke(builder);
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]) && !builder.Configuration.GetSection("Kestrel:Endpoints").Exists())
        {
            // The seed's address, unless --urls, ASPNETCORE_URLS, Urls or Kestrel endpoints say otherwise.
            builder.WebHost.UseUrls(DefaultUrl);
        }

        builder.AddMetricsListener();

        // Kestrel runs socket continuations (our send loops' flushes, request parsing) on the I/O thread instead of
        // queueing each to the thread pool: one hop less per batch. Safe here because no code on those paths blocks;
        // measured in docs/benchmarks.md (p99 at 5,000 msg/s × 100 subscribers: 58 ms → 22 ms).
        var inline = builder.Configuration.GetValue(InlineSchedulingKey, true);
        builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = inline);
        builder.AddPubSubServer();
        builder.AddPubSubConnectionLimits();
        var app = builder.Build();
        app.UsePubSubServer();
        return app;
    }

    /// <summary>Registers the broker, the transports, auth, rate limiting, and options validated on start.</summary>
    public static WebApplicationBuilder AddPubSubServer(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        var config = builder.Configuration;

        // The one authorizer of every door, before AddPubSub (which would otherwise add its auth-off default); a host
        // that registered its own keeps it.
        services.TryAddSingleton<IPubSubAuthorizer, ApiKeyAuthorizer>();
        services.AddPubSub(config.GetSection(Core.PubSubOptions.SectionName));
        // One Redis or a Redis Cluster (Configuration), or standalone shards (Shards:0, :1, …).
        var redis = config[$"{Core.Engine.Redis.RedisEngineOptions.SectionName}:Configuration"];
        if (string.IsNullOrWhiteSpace(redis))
        {
            redis = config[$"{Core.Engine.Redis.RedisEngineOptions.SectionName}:Shards:0"];
        }

        if (!string.IsNullOrWhiteSpace(redis))
        {
            // Scale-out: every node with this Redis and key prefix is one broker (PROTOCOL.md §8).
            services.AddPubSubRedisEngine(config.GetSection(Core.Engine.Redis.RedisEngineOptions.SectionName));
        }

        services.AddOptions<WsEndpointOptions>().Bind(config.GetSection(WsEndpointOptions.SectionName)).ValidateOnStart();
        services.AddOptions<HeartbeatOptions>().Bind(config.GetSection(HeartbeatOptions.SectionName)).ValidateOnStart();
        services.AddOptions<ShutdownOptions>().Bind(config.GetSection(ShutdownOptions.SectionName)).ValidateOnStart();
        services.AddOptions<RateLimitOptions>().Bind(config.GetSection(RateLimitOptions.SectionName)).ValidateOnStart();
        services.AddOptions<AuthOptions>().Bind(config.GetSection(AuthOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<ServerOptionsValidator>();
        services.AddSingleton<IValidateOptions<WsEndpointOptions>>(sp => sp.GetRequiredService<ServerOptionsValidator>());
        services.AddSingleton<IValidateOptions<HeartbeatOptions>>(sp => sp.GetRequiredService<ServerOptionsValidator>());
        services.AddSingleton<IValidateOptions<ShutdownOptions>>(sp => sp.GetRequiredService<ServerOptionsValidator>());
        services.AddSingleton<IValidateOptions<RateLimitOptions>>(sp => sp.GetRequiredService<ServerOptionsValidator>());
        services.AddSingleton<IValidateOptions<AuthOptions>>(sp => sp.GetRequiredService<ServerOptionsValidator>());
        services.AddRenamedSettings(); // after the bindings above and AddPubSub's, which the old keys' values override
        services.AddSingleton(sp => WsDialects.For(sp.GetRequiredService<IOptions<WsEndpointOptions>>().Value.Dialect));
        services.AddPubSubForwardedHeaders(config);
        services.AddOptions<OriginOptions>().Bind(config.GetSection(OriginOptions.SectionName)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<OriginOptions>, OriginOptionsValidator>();

        // Connections get the flush timeout to drain, and the host must wait for them longer than that.
        services.AddOptions<HostOptions>().Configure<IOptions<ShutdownOptions>>((host, shutdown) =>
            host.ShutdownTimeout = shutdown.Value.FlushTimeout + TimeSpan.FromSeconds(10));

        services.AddAuthentication(ApiKeyAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);
        services.AddAuthorization();
        services.AddOptions<AuthorizationOptions>().Configure<IOptions<AuthOptions>>((authorization, auth) =>
        {
            if (auth.Value.Enabled)
            {
                authorization.FallbackPolicy = new AuthorizationPolicyBuilder(ApiKeyAuthenticationHandler.SchemeName).RequireAuthenticatedUser().Build();
            }
        });

        services.AddPubSubRateLimiting();
        services.AddHostedService<HeartbeatService>();
        services.AddPubSubTelemetry(config);
        services.AddPubSubOpenApi();
        services.AddPubSubHub();
        services.AddPubSubHealthChecks();
        services.AddHostedService<NodeAddressReporter>();
        builder.AddPubSubDashboard();

        services.AddControllers(mvc => mvc.Filters.Add<PubSubExceptionFilter>())
            .AddApplicationPart(typeof(TopicsController).Assembly) // also when the entry assembly is not this one (tests, other hosts)
            .AddJsonOptions(json =>
            {
                json.JsonSerializerOptions.TypeInfoResolverChain.Insert(0, ApiJsonContext.Default);
                json.JsonSerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
                json.JsonSerializerOptions.Converters.Add(new UtcTimestampConverter());
            })
            .ConfigureApiBehaviorOptions(api =>
            {
                api.InvalidModelStateResponseFactory = context =>
                {
                    var first = context.ModelState.Values.SelectMany(v => v.Errors).Select(e => e.ErrorMessage).FirstOrDefault(m => m.Length > 0);
                    return new BadRequestObjectResult(new ErrorResponse(first ?? "invalid request", "BAD_REQUEST"));
                };
            });
        return builder;
    }

    /// <summary>The pipeline: JSON status pages, auth, rate limiting, WebSockets, controllers.</summary>
    public static WebApplication UsePubSubServer(this WebApplication app)
    {
        // Before start, so that an old key's warning comes before a validation failure that names its new key.
        RenamedSettings.LogDeprecatedKeys(app.Configuration, app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("PubSub.Server.Hosting.Configuration"));

        // The broker and its engine are built with the app, not on first use: a bad engine option fails the start here,
        // with its message (OptionsValidationException), before anything else reads the same setting. The metrics are
        // created when the host starts (Core's PubSubMetricsStart).
        app.Services.GetRequiredService<Core.PubSubBroker>();
        app.UsePubSubForwardedHeaders();
        app.UseStatusCodePages(ApiErrors.StatusCodePage);
        app.UseExceptionHandler(error => error.Run(context =>
            ApiErrors.WriteAsync(context, StatusCodes.Status500InternalServerError, "internal error", "INTERNAL")));
        app.UsePubSubMetrics();
        app.UseClientErrors();
        app.UseHeadAsGet();
        app.UseRewindableBodies();
        app.UseMiddleware<OriginCheck>(); // before anything upgrades or changes state
        app.UseWebSockets();
        app.UsePubSubDashboardAssets();
        app.UseRouting();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseRateLimiter();
        app.MapControllers();
        app.MapPubSubHealthChecks();
        app.MapPubSubWebSocket();
        app.MapPubSubHub();
        app.MapPubSubDashboard();
        app.MapPubSubOpenApi();
        return app;
    }
}
