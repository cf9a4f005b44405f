using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using PubSub.Core;
using PubSub.Core.Hosting;
using PubSub.Tests.Infrastructure;
using static PubSub.Tests.Rest.PrometheusText;

namespace PubSub.Tests.Rest;

/// <summary><c>GET /metrics</c>: the broker's, ASP.NET Core's and the runtime's metrics in Prometheus text format.</summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricsEndpointTests
{
    private const string Key = "metrics-test-key-000001";

    [Fact]
    public async Task The_brokers_metrics_move_while_a_publisher_runs()
    {
        await using var server = await TestServer.StartAsync(MetricsCollection.On());
        await server.CreateTopicAsync("orders");
        await using var subscriber = await server.ConnectAsync();
        await subscriber.SubscribeAsync("orders");
        var before = await ScrapeAsync(server.Http);

        for (var i = 0; i < 5; i++)
        {
            var (status, _) = await server.SendAsync(HttpMethod.Post, "/api/topics/orders/messages/", "{\"payload\":{\"n\":1}}");
            Assert.Equal(201, status);
        }

        for (var i = 0; i < 5; i++)
        {
            await subscriber.ExpectAsync("event");
        }

        // The send loop counts a batch once its flush returns, which may be just after the client has read it.
        var after = await ScrapeUntilAsync(server.Http, text => Value(text, "pubsub_messages_delivered_total") - Value(before, "pubsub_messages_delivered_total") >= 5);
        Assert.Equal(5, Value(after, "pubsub_messages_published_total") - Value(before, "pubsub_messages_published_total"));
        Assert.Equal(5, Value(after, "pubsub_messages_delivered_total") - Value(before, "pubsub_messages_delivered_total"));
        Assert.Equal(5, Value(after, "pubsub_publish_duration_seconds_count") - ValueOrZero(before, "pubsub_publish_duration_seconds_count"));
        Assert.Equal(5, Value(after, "pubsub_publish_duration_seconds_bucket", "le=\"+Inf\"") - ValueOrZero(before, "pubsub_publish_duration_seconds_bucket", "le=\"+Inf\""));
        Assert.Equal(1, Value(after, "pubsub_connections", "transport=\"ws\""));
        Assert.Equal(0, Value(after, "pubsub_connections", "transport=\"signalr\""));
        Assert.Equal(1, Value(after, "pubsub_subscriptions", "transport=\"ws\""));
        Assert.Equal(0, Value(after, "pubsub_messages_dropped_total", "reason=\"drop_oldest\""));

        // ASP.NET Core's and the runtime's meters come along.
        Assert.True(Has(after, "http_server_request_duration_seconds_count"), "no ASP.NET Core request metrics");
        Assert.True(Has(after, "kestrel_active_connections"), "no Kestrel metrics");
        Assert.True(Has(after, "dotnet_gc_collections_total") || Has(after, "dotnet_process_memory_working_set_bytes"), "no runtime metrics");

        // Not Kestrel's memory pool: its counters would move on every block rented for a socket write (the delivery path).
        Assert.DoesNotContain("aspnetcore_memory_pool", after);
    }

    [Fact]
    public async Task Drops_by_reason_and_queued_frames_and_bytes_are_reported()
    {
        await using var server = await TestServer.StartAsync(MetricsCollection.On(new() { ["PubSub:Queue:Capacity"] = "2" }));
        await server.CreateTopicAsync("slow");

        // A connection whose queue nobody drains: the third publish on drops the oldest.
        var stalled = server.Broker.Connect("ws");
        await server.Broker.SubscribeAsync(stalled, "slow", "stalled").Within();
        var payload = "{\"order\":\"ORD-1\"}";
        for (var i = 0; i < 5; i++)
        {
            await server.Broker.PublishAsync("slow", new MessageDraft(null, System.Text.Encoding.UTF8.GetBytes(payload), "p")).Within();
        }

        var text = await ScrapeAsync(server.Http);
        Assert.Equal(3, Value(text, "pubsub_messages_dropped_total", "reason=\"drop_oldest\""));
        Assert.Equal(2, Value(text, "pubsub_queued_frames"));
        Assert.Equal(2 * payload.Length, Value(text, "pubsub_queued_bytes"));
        Assert.Equal(1, Value(text, "pubsub_cluster_nodes")); // the in-memory engine: a cluster of one
        server.Broker.Disconnect(stalled);
    }

    [Fact]
    public async Task Instruments_added_on_the_PubSub_meter_are_exported_with_second_buckets()
    {
        // What the Redis engine does for its call latency and reconnects.
        await using var server = await TestServer.StartAsync(MetricsCollection.On());
        var meter = server.Services.GetRequiredService<PubSubMeter>();
        meter.CreateLatencyHistogram("pubsub.test.call.duration", "A call's time").Record(0.003);
        meter.CreateCounter("pubsub.test.reconnects", "{reconnect}", "Reconnects").Add(2);

        var text = await ScrapeAsync(server.Http);
        Assert.Equal(0, Value(text, "pubsub_test_call_duration_seconds_bucket", "le=\"0.0025\""));
        Assert.Equal(1, Value(text, "pubsub_test_call_duration_seconds_bucket", "le=\"0.005\""));
        Assert.Equal(2, Value(text, "pubsub_test_reconnects_total"));
    }

    [SkippableFact]
    public async Task A_Redis_engine_node_reports_each_call_to_Redis_under_its_kind_and_its_reconnects_and_README_names_every_metric()
    {
        RedisServer.SkipUnlessAvailable();
        await using var redis = await RedisServer.StartAsync();
        await using var server = await TestServer.StartAsync(MetricsCollection.On(PubSub.Tests.Cluster.Cluster.Settings(redis, $"metrics:{Guid.NewGuid():N}:")));
        await server.CreateTopicAsync("orders");
        var (status, _) = await server.SendAsync(HttpMethod.Post, "/api/topics/orders/messages/", "{\"payload\":1}");
        Assert.Equal(201, status);

        // Every call times itself, not only the scripts: the create and the publish are scripts, the topic read is not.
        var text = await ScrapeAsync(server.Http);
        Assert.Equal(1, Value(text, "pubsub_redis_call_duration_seconds_count", "call=\"publish\""));
        Assert.True(Value(text, "pubsub_redis_call_duration_seconds_count", "call=\"create\"") >= 1);
        Assert.True(Value(text, "pubsub_redis_call_duration_seconds_count", "call=\"read\"") >= 1);
        Assert.DoesNotContain("pubsub_redis_script_duration", text, StringComparison.Ordinal);

        // Redis drops the node's connections: the client connects again, and each restored connection is counted.
        await redis.CliAsync("CLIENT", "KILL", "TYPE", "normal");
        text = await ScrapeUntilAsync(server.Http, t => ValueOrZero(t, "pubsub_redis_reconnects_total") >= 1);

        // By now the node has exported every metric of the broker's meter: README's table names each, and no other.
        var exported = BrokerMetricNames(text);
        var documented = ReadmeMetricNames();
        Assert.True(
            exported.SetEquals(documented),
            $"README's metrics table and /metrics disagree.\nExported, not in the table: {string.Join(", ", exported.Except(documented))}\n" +
            $"In the table, not exported: {string.Join(", ", documented.Except(exported))}");
    }

    // The broker's metrics in a scrape, by their TYPE lines (a histogram once, not its _bucket, _sum and _count).
    private static HashSet<string> BrokerMetricNames(string text) =>
        System.Text.RegularExpressions.Regex.Matches(text, @"^# TYPE (pubsub_\w+) ", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value)
            .ToHashSet(StringComparer.Ordinal);

    // README's metrics table: its rows are | `pubsub_…` | type | labels | what |.
    private static HashSet<string> ReadmeMetricNames() =>
        System.Text.RegularExpressions.Regex.Matches(File.ReadAllText(Path.Combine(Repository.RequiredRoot, "README.md")), @"^\| `(pubsub_\w+)` \|", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value)
            .ToHashSet(StringComparer.Ordinal);

    [Fact]
    public async Task With_auth_on_metrics_need_a_key_like_REST()
    {
        await using var server = await TestServer.StartAsync(MetricsCollection.On(new()
        {
            ["PubSub:Auth:Enabled"] = "true",
            ["PubSub:Auth:Keys:0:Key"] = Key,
        }));

        using (var anonymous = await server.Http.GetAsync("/metrics").Within())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        request.Headers.Add("X-API-Key", Key);
        using var keyed = await server.Http.SendAsync(request).Within();
        Assert.Equal(HttpStatusCode.OK, keyed.StatusCode);
        Assert.Contains("pubsub_messages_published_total", await keyed.Content.ReadAsStringAsync().Within(), StringComparison.Ordinal);

        // What Prometheus sends with `authorization: { credentials: <key> }`.
        using var bearer = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        bearer.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Key);
        using var scraped = await server.Http.SendAsync(bearer).Within();
        Assert.Equal(HttpStatusCode.OK, scraped.StatusCode);
    }

    [Fact]
    public async Task On_a_port_of_its_own_metrics_are_open_there_and_only_there()
    {
        var port = ServerProcess.FreePort();
        await using var server = await TestServer.StartAsync(MetricsCollection.On(new()
        {
            ["PubSub:Auth:Enabled"] = "true",
            ["PubSub:Auth:Keys:0:Key"] = Key,
            ["PubSub:Metrics:Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }));
        var addresses = server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Select(a => new Uri(a)).ToList();
        Assert.Contains(addresses, a => a.Port == port);
        var main = addresses.Single(a => a.Port != port);
        using var http = new HttpClient { Timeout = Timeouts.Short };

        using (var scrape = await http.GetAsync($"http://127.0.0.1:{port}/metrics").Within())
        {
            Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
            Assert.Contains("pubsub_connections", await scrape.Content.ReadAsStringAsync().Within(), StringComparison.Ordinal);
        }

        using (var other = await http.GetAsync($"http://127.0.0.1:{port}/health").Within())
        {
            Assert.Equal(HttpStatusCode.NotFound, other.StatusCode);
        }

        // On the main address /metrics is not served: with auth on, like any unknown path, 401 without a key, 404 with one.
        using (var onMain = await http.GetAsync(new Uri(main, "/metrics")).Within())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, onMain.StatusCode);
        }

        using var keyed = new HttpRequestMessage(HttpMethod.Get, new Uri(main, "/metrics"));
        keyed.Headers.Add("X-API-Key", Key);
        using (var response = await http.SendAsync(keyed).Within())
        {
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        // The Host header does not open the door: only the socket's port does.
        using var spoofed = new HttpRequestMessage(HttpMethod.Get, new Uri(main, "/metrics"));
        spoofed.Headers.Host = $"127.0.0.1:{port}";
        using (var response = await http.SendAsync(spoofed).Within())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task Metrics_can_be_switched_off()
    {
        await using var server = await TestServer.StartAsync(new Dictionary<string, string?> { ["PubSub:Metrics:Enabled"] = "false" });
        using var response = await server.Http.GetAsync("/metrics").Within();
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static async Task<string> ScrapeUntilAsync(HttpClient http, Func<string, bool> condition)
    {
        var deadline = DateTime.UtcNow + Timeouts.Short;
        while (true)
        {
            var text = await ScrapeAsync(http);
            if (condition(text) || DateTime.UtcNow > deadline)
            {
                return text;
            }

            await Task.Delay(20);
        }
    }

    private static async Task<string> ScrapeAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/metrics").Within();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadAsStringAsync().Within();
    }
}
