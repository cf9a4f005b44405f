using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Rest;

/// <summary>
/// The OpenAPI document at /openapi/v1.json: it describes every REST route the server maps, and what the server really
/// answers validates against the schemas it gives (status by status, both path families), examples included.
/// </summary>
public sealed class OpenApiTests : IAsyncLifetime
{
    private const string AdminKey = "openapi-admin-key-0001";
    private const string ReaderKey = "openapi-reader-key-0002";

    // Endpoints that are not REST calls of PROTOCOL.md §6, and why the document leaves them out. Anything else the
    // server maps must be in the document.
    private static readonly (string Pattern, string Why)[] NotRest =
    [
        ("ws", "the raw WebSocket endpoint (PROTOCOL.md §2-§3)"),
        ("ws/", "the raw WebSocket endpoint (PROTOCOL.md §2-§3)"),
        ("hubs/pubsub*", "the SignalR hub (§7)"),
        ("_blazor*", "Blazor's circuit hub"),
        ("_framework*", "Blazor's scripts"),
        ("_content*", "static web assets"),
        ("api", "the seed's dashboard page path, a redirect to /"),
        ("api/publisher", "the seed's dashboard page path, a redirect"),
        ("api/subscriber", "the seed's dashboard page path, a redirect"),
        ("metrics", "Prometheus text format, not JSON"),
        ("favicon.ico", "the browser tab's icon"),
        ("openapi/{documentName}.json", "the document itself"),
        ("docs*", "the Scalar reference page and its assets"),
        ("signin", "the dashboard's sign-in form (a page and its form post, not JSON)"),
        ("signout", "the dashboard's sign-out form post"),
    ];

    private static bool IsNotRest(string pattern) => NotRest.Any(n =>
        n.Pattern.EndsWith('*') ? pattern.StartsWith(n.Pattern.TrimEnd('*'), StringComparison.Ordinal) : pattern == n.Pattern);

    private TestServer _server = null!;
    private TestServer _authServer = null!;
    private OpenApiSchemas _schemas = null!;

    public async Task InitializeAsync()
    {
        _server = await TestServer.StartAsync();
        _authServer = await TestServer.StartAsync(new Dictionary<string, string?>
        {
            ["PubSub:Auth:Enabled"] = "true",
            ["PubSub:Auth:Keys:0:Key"] = AdminKey,
            ["PubSub:Auth:Keys:1:Key"] = ReaderKey,
            ["PubSub:Auth:Keys:1:Operations:0"] = "subscribe",
            ["PubSub:Auth:Keys:1:Operations:1"] = "read",
            ["PubSub:RateLimit:PublishesPerSecond"] = "1",
            ["PubSub:RateLimit:Burst"] = "1",
        });

        // Open without a key even with auth on: it describes the API and serves no data.
        using var response = await _authServer.Http.GetAsync("/openapi/v1.json").Within();
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        _schemas = new OpenApiSchemas(JsonNode.Parse(await response.Content.ReadAsStringAsync().Within())!);
    }

    public Task DisposeAsync() => Cleanup.DisposeAllAsync([_server, _authServer]);

    [Fact]
    public void Every_route_the_server_maps_is_in_the_document_or_is_not_REST()
    {
        var paths = _schemas.Document["paths"]!.AsObject();
        var routes = _server.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        var missing = new List<string>();
        var controllerRoutes = 0;
        foreach (var endpoint in routes)
        {
            var pattern = endpoint.RoutePattern.RawText!.TrimStart('/');
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [];
            var isPage = endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Components.Endpoints.ComponentTypeMetadata>() is not null;
            if (isPage || IsNotRest(pattern))
            {
                continue;
            }

            controllerRoutes++;
            foreach (var method in methods.Where(m => m != "HEAD"))
            {
                if (paths["/" + pattern]?[method.ToLowerInvariant()] is null)
                {
                    missing.Add($"{method} /{pattern} ({endpoint.DisplayName})");
                }
            }

            if (methods.Count == 0)
            {
                missing.Add($"/{pattern} (any method: {endpoint.DisplayName})");
            }
        }

        Assert.Empty(missing);
        Assert.True(controllerRoutes >= 19, $"only {controllerRoutes} REST routes found");
    }

    [Fact]
    public async Task Real_responses_validate_against_the_documents_schemas_for_every_operation()
    {
        var topic = ServerFixture.NewTopic("oa");
        var alias = ServerFixture.NewTopic("oa");
        await using var subscriber = await _server.ConnectAsync();
        var covered = new HashSet<string>(StringComparer.Ordinal);

        async Task Check(TestServer server, string method, string template, string path, int expected, string? body = null, string? key = null)
        {
            var (status, json) = await server.SendAsync(new HttpMethod(method), path, body, key);
            Assert.True(expected == status, $"{method} {path}: expected {expected}, got {status} {json}");
            var errors = _schemas.Errors(_schemas.ResponseSchema(template, method, status), json);
            Assert.True(errors.Count == 0, $"{method} {path} → {status} {json}\ndoes not match the document:\n{string.Join('\n', errors)}");
            covered.Add($"{method} {template}");
        }

        await Check(_server, "POST", "/api/topics/create", "/api/topics/create/", 201, $"{{\"name\":\"{topic}\",\"metadata\":{{\"team\":\"a\"}}}}");
        await Check(_server, "POST", "/api/topics/create", "/api/topics/create/", 409, $"{{\"name\":\"{topic}\"}}");
        await Check(_server, "POST", "/api/topics/create", "/api/topics/create/", 400, "{\"name\":\"\"}");
        await Check(_server, "POST", "/topics", "/topics", 201, $"{{\"name\":\"{alias}\"}}");
        await Check(_server, "POST", "/topics", "/topics", 400, "not json");
        await Check(_server, "POST", "/topics", "/topics", 413, $"{{\"name\":\"{new string('x', 70_000)}\"}}");
        await subscriber.SubscribeAsync(topic, "oa-sub");

        await Check(_server, "POST", "/api/topics/{name}/messages", $"/api/topics/{topic}/messages/", 201, "{\"payload\":{\"n\":1}}");
        await Check(_server, "POST", "/api/topics/{name}/messages", $"/api/topics/{topic}/messages/", 400, "{\"nopayload\":1}");
        await Check(_server, "POST", "/api/topics/{name}/messages", "/api/topics/no-such-topic-oa/messages/", 404, "{\"payload\":1}");
        await Check(_server, "POST", "/topics/{name}/messages", $"/topics/{alias}/messages", 201, "{\"id\":\"3f2b8c1e-7a4d-4c5e-9b6a-1d2e3f4a5b6c\",\"payload\":\"text\",\"client_id\":\"me\"}");

        await Check(_server, "GET", "/api/health", "/api/health/", 200);
        await Check(_server, "GET", "/health", "/health", 200);
        await Check(_server, "GET", "/health/live", "/health/live", 200);
        await Check(_server, "GET", "/health/ready", "/health/ready", 200);
        await Check(_authServer, "GET", "/health/ready", "/health/ready", 200);
        await Check(_server, "GET", "/api/stats", "/api/stats/", 200);
        await Check(_server, "GET", "/stats", "/stats", 200);
        await Check(_server, "GET", "/api/topics", "/api/topics/", 200);
        await Check(_server, "GET", "/api/topics", "/api/topics/?limit=1&offset=1", 200);
        await Check(_server, "GET", "/api/topics", "/api/topics/?limit=0", 400);
        await Check(_server, "GET", "/topics", "/topics", 200);
        await Check(_server, "GET", "/api/topics/{name}", $"/api/topics/{topic}/", 200);
        await Check(_server, "GET", "/api/topics/{name}", "/api/topics/no-such-topic-oa/", 404);
        await Check(_server, "GET", "/topics/{name}", $"/topics/{alias}", 200);
        await Check(_server, "GET", "/api/topics/{name}/subscribers", $"/api/topics/{topic}/subscribers/", 200);
        await Check(_server, "GET", "/api/topics/{name}/subscribers", "/api/topics/no-such-topic-oa/subscribers/", 404);
        await Check(_server, "GET", "/topics/{name}/subscribers", $"/topics/{topic}/subscribers", 200);
        await Check(_server, "GET", "/api/topics/{name}/messages", $"/api/topics/{topic}/messages/?limit=10&offset=0", 200);
        await Check(_server, "GET", "/api/topics/{name}/messages", $"/api/topics/{topic}/messages/?limit=0", 400);
        await Check(_server, "GET", "/api/topics/{name}/messages", "/api/topics/no-such-topic-oa/messages/", 404);
        await Check(_server, "GET", "/topics/{name}/messages", $"/topics/{alias}/messages", 200);

        // The event stream's errors (its 200 is a stream: SseStreamTests read it).
        await Check(_server, "GET", "/api/topics/{name}/events", $"/api/topics/{topic}/events/?last_n=-1", 400);
        await Check(_server, "GET", "/api/topics/{name}/events", "/api/topics/no-such-topic-oa/events/", 404);
        await Check(_server, "GET", "/topics/{name}/events", "/topics/no-such-topic-oa/events", 404);

        await Check(_server, "GET", "/api/nodes", "/api/nodes/", 200);
        await Check(_server, "GET", "/nodes", "/nodes", 200);
        await Check(_server, "GET", "/api/connections", "/api/connections/", 200);
        await Check(_server, "GET", "/connections", "/connections", 200);
        var (_, listed) = await _server.SendAsync(HttpMethod.Get, "/api/connections/", null, null);
        var victim = listed.GetProperty("connections").EnumerateArray().First(c => c.GetProperty("topics").EnumerateArray().Any(t => t.GetString() == topic)).GetProperty("id").GetString();
        await Check(_server, "DELETE", "/api/connections/{id}", "/api/connections/no-such-connection.x/", 404);
        await Check(_server, "DELETE", "/api/connections/{id}", $"/api/connections/{victim}/?reason={new string('r', 201)}", 400);
        await Check(_server, "DELETE", "/connections/{id}", "/connections/no-such-connection.x", 404);

        await Check(_server, "DELETE", "/api/topics/{name}/delete", $"/api/topics/{alias}/delete/", 200);
        await Check(_server, "DELETE", "/topics/{name}", $"/topics/{alias}", 404);
        await Check(_server, "DELETE", "/api/topics/{name}", $"/api/topics/{topic}/", 200);
        await Check(_server, "DELETE", "/api/topics/{name}", $"/api/topics/{topic}/", 404);

        // With auth on: no key, a key that may not, and the publish rate limit.
        var limited = ServerFixture.NewTopic("oa");
        await Check(_authServer, "GET", "/topics", "/topics", 401);
        await Check(_authServer, "POST", "/topics", "/topics", 403, $"{{\"name\":\"{limited}\"}}", ReaderKey);
        await Check(_authServer, "POST", "/topics", "/topics", 201, $"{{\"name\":\"{limited}\"}}", AdminKey);
        await Check(_authServer, "GET", "/api/topics/{name}/messages", $"/api/topics/{limited}/messages/", 200, key: ReaderKey);
        await Check(_authServer, "GET", "/topics/{name}/events", $"/topics/{limited}/events", 401);
        await Check(_authServer, "POST", "/topics/{name}/messages", $"/topics/{limited}/messages", 403, "{\"payload\":1}", ReaderKey);
        await Check(_authServer, "DELETE", "/topics/{name}", $"/topics/{limited}", 403, key: ReaderKey);
        await Check(_authServer, "POST", "/topics/{name}/messages", $"/topics/{limited}/messages", 201, "{\"payload\":1}", AdminKey);
        await Check(_authServer, "POST", "/topics/{name}/messages", $"/topics/{limited}/messages", 429, "{\"payload\":2}", AdminKey);
        await Check(_authServer, "DELETE", "/connections/{id}", "/connections/no-such-connection.x", 403, key: ReaderKey);
        await Check(_server, "DELETE", "/api/connections/{id}", $"/api/connections/{victim}/", 200);

        var documented = _schemas.Document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(m => $"{m.Key.ToUpperInvariant()} {p.Key}"))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Empty(documented.Except(covered).Order(StringComparer.Ordinal));
    }

    /// <summary>Scalar's sidebar lists summaries: each is a short title, and the sentence that explains it is the description.</summary>
    [Fact]
    public void Every_operation_has_a_short_title_and_a_description()
    {
        var operations = _schemas.Document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(m => (Name: $"{m.Key.ToUpperInvariant()} {p.Key}", Operation: m.Value!)))
            .ToList();
        Assert.All(operations, o =>
        {
            var summary = o.Operation["summary"]?.GetValue<string>() ?? "";
            Assert.True(summary.Length is > 0 and <= 40 && !summary.Contains('.') && !summary.Contains('\n'), $"{o.Name}: summary '{summary}' is not a short title");
            Assert.False(string.IsNullOrWhiteSpace(o.Operation["description"]?.GetValue<string>()), $"{o.Name} has no description");
        });
        Assert.Equal("List nodes", _schemas.Document["paths"]!["/api/nodes"]!["get"]!["summary"]!.GetValue<string>());
        Assert.Equal("Readiness probe", _schemas.Document["paths"]!["/health/ready"]!["get"]!["summary"]!.GetValue<string>());
    }

    [Fact]
    public void Every_example_in_the_document_validates_against_its_schema()
    {
        var checkedExamples = 0;
        foreach (var (name, schema) in _schemas.Document["components"]!["schemas"]!.AsObject())
        {
            foreach (var example in schema?["examples"]?.AsArray() ?? [])
            {
                var errors = _schemas.Errors(schema!, JsonSerializer.Deserialize<JsonElement>(example!.ToJsonString()));
                Assert.True(errors.Count == 0, $"example of {name} is invalid:\n{string.Join('\n', errors)}");
                checkedExamples++;
            }
        }

        foreach (var (path, item) in _schemas.Document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                var media = (operation!["responses"]?.AsObject().Select(r => r.Value?["content"]?["application/json"]) ?? [])
                    .Append(operation["requestBody"]?["content"]?["application/json"]);
                foreach (var m in media.Where(m => m?["example"] is not null && m["schema"] is not null))
                {
                    var errors = _schemas.Errors(m!["schema"]!, JsonSerializer.Deserialize<JsonElement>(m["example"]!.ToJsonString()));
                    Assert.True(errors.Count == 0, $"example of {method} {path} is invalid:\n{string.Join('\n', errors)}");
                    checkedExamples++;
                }
            }
        }

        Assert.True(checkedExamples > 20, $"only {checkedExamples} examples checked");
    }

    [Fact]
    public void The_checker_rejects_what_the_schema_forbids()
    {
        // The validation above would pass vacuously if the checker accepted anything.
        var schema = _schemas.ComponentSchema("PublishResponse");
        Assert.Empty(_schemas.Errors(schema, Parse("""{"status":"published","topic":"t","id":"x","seq":1}""")));
        Assert.NotEmpty(_schemas.Errors(schema, Parse("""{"status":"published","topic":"t","id":"x"}""")));
        Assert.NotEmpty(_schemas.Errors(schema, Parse("""{"status":"published","topic":"t","id":"x","seq":"1"}""")));
        Assert.NotEmpty(_schemas.Errors(_schemas.ComponentSchema("MessageBody"), Parse("""{"id":"x","seq":1,"payload":1,"publisher_id":null,"ts":"yesterday"}""")));
    }

    [Fact]
    public void The_event_stream_is_documented_as_text_event_stream_with_its_query_header_and_errors()
    {
        foreach (var path in new[] { "/api/topics/{name}/events", "/topics/{name}/events" })
        {
            var get = _schemas.Document["paths"]![path]!["get"]!;
            Assert.NotNull(get["responses"]!["200"]!["content"]!["text/event-stream"]);
            Assert.Null(get["responses"]!["200"]!["content"]!["application/json"]);
            foreach (var status in new[] { "400", "401", "403", "404", "429", "503" })
            {
                Assert.True(get["responses"]![status]?["content"]?["application/json"] is not null, $"{path}: no JSON error {status}");
            }

            var parameters = get["parameters"]!.AsArray().Select(p => $"{p!["in"]!.GetValue<string>()}:{p["name"]!.GetValue<string>()}").ToList();
            Assert.Equal(["path:name", "query:last_n", "query:since_seq", "query:epoch", "query:client_id", "header:Last-Event-ID"], parameters);
        }
    }

    [Fact]
    public async Task The_document_has_request_bodies_errors_examples_and_the_api_key_scheme()
    {
        var create = _schemas.Document["paths"]!["/api/topics/create"]!["post"]!;
        Assert.Equal("orders", create["requestBody"]!["content"]!["application/json"]!["example"]!["name"]!.GetValue<string>());
        Assert.NotNull(create["responses"]!["409"]);
        Assert.Equal("TOPIC_EXISTS", create["responses"]!["409"]!["content"]!["application/json"]!["example"]!["code"]!.GetValue<string>());
        Assert.Equal("X-API-Key", _schemas.Document["components"]!["securitySchemes"]!["ApiKey"]!["name"]!.GetValue<string>());
        Assert.Null(_schemas.Document["paths"]!["/health"]!["get"]!["security"]);

        var publish = _schemas.Document["paths"]!["/api/topics/{name}/messages"]!["post"]!;
        var key = Assert.Single(publish["parameters"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "Idempotency-Key")!;
        Assert.Equal(("header", 1, 128), (key["in"]!.GetValue<string>(), key["schema"]!["minLength"]!.GetValue<int>(), key["schema"]!["maxLength"]!.GetValue<int>()));
        Assert.True(publish["responses"]!["200"]!["content"]!["application/json"]!["example"]!["duplicate"]!.GetValue<bool>());
        Assert.Null(publish["responses"]!["201"]!["content"]!["application/json"]!["example"]?["duplicate"]);

        using var docs = await _authServer.Http.GetAsync("/docs").Within();
        Assert.Equal(System.Net.HttpStatusCode.OK, docs.StatusCode);
        var page = await docs.Content.ReadAsStringAsync().Within();
        Assert.Contains("<title>PubSub REST API</title>", page, StringComparison.Ordinal);
        Assert.Contains("openapi/v1.json", page, StringComparison.Ordinal);
    }

    private static JsonElement Parse(string json) => JsonSerializer.Deserialize<JsonElement>(json);
}
