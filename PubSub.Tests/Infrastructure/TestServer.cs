using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using PubSub.Core;
using PubSub.Server.Hosting;

namespace PubSub.Tests.Infrastructure;

/// <summary>
/// The real server (the same composition as Program.cs) on real Kestrel, on a free loopback port of its own,
/// with configuration overrides. Dispose stops it gracefully.
/// </summary>
public sealed class TestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestServer(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = Timeouts.Short };
    }

    public Uri BaseAddress { get; }

    public Uri WsUri => new($"ws://{BaseAddress.Authority}/ws");

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    public PubSubBroker Broker => Services.GetRequiredService<PubSubBroker>();

    public static async Task<TestServer> StartAsync(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null)
    {
        var app = PubSubServer.Build(["--urls=http://127.0.0.1:0", "--environment=Testing"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Logging:LogLevel:Default"] = "Warning",
                ["Logging:LogLevel:PubSub"] = "Warning",

                // An OpenTelemetry MeterProvider listens to every meter of its name in the process, so servers running
                // side by side in one test process would read each other's instruments, and each publish would record
                // into every server's provider. Tests of /metrics switch it on (MetricsCollection: one at a time).
                [MetricsCollection.EnabledKey] = "false",
            });
            if (settings is not null)
            {
                builder.Configuration.AddInMemoryCollection(settings);
            }

            services?.Invoke(builder.Services);
        });
        await app.StartAsync().Within();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new TestServer(app, new Uri(address));
    }

    public async Task<WsClient> ConnectAsync(Action<System.Net.WebSockets.ClientWebSocketOptions>? configure = null) =>
        await WsClient.ConnectAsync(WsUri, configure);

    public async Task CreateTopicAsync(string name)
    {
        using var response = await Http.PostAsJsonAsync("/api/topics/create/", new { name }).Within();
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
    }

    public async Task<(int Status, JsonElement Body)> SendAsync(HttpMethod method, string path, string? body = null, string? apiKey = null, IEnumerable<(string Name, string Value)>? headers = null)
    {
        using var request = new HttpRequestMessage(method, path);
        foreach (var (name, value) in headers ?? [])
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
        }

        if (apiKey is not null)
        {
            request.Headers.Add("X-API-Key", apiKey);
        }

        using var response = await Http.SendAsync(request).Within();
        var text = await response.Content.ReadAsStringAsync().Within();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return ((int)response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Stops the host as SIGTERM would (graceful shutdown).</summary>
    public Task StopAsync() => _app.StopAsync().Within(Timeouts.Long);

    /// <summary>Stops the host, then disposes it even if stopping failed or timed out; each bounded, so a hang fails the test.</summary>
    public async ValueTask DisposeAsync()
    {
        Http.Dispose();

        // Disposing after the stop releases the services (the Redis connections among them, possibly to a killed Redis).
        await Cleanup.RunAsync(
            () => _app.StopAsync().Within(Timeouts.Long),
            () => _app.DisposeAsync().Within(Timeouts.Long));
    }
}
