using System.Text.Json.Nodes;
using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace PubSub.Server.Api;

/// <summary>
/// The OpenAPI document of the REST API (PROTOCOL.md §6) at <c>/openapi/v1.json</c>, generated from the controllers by
/// Microsoft.AspNetCore.OpenApi, and Scalar's interactive reference at <c>/docs</c>. Both are open without an API key:
/// they describe the API, they serve no data, and a browser could not send the key on Scalar's own fetch.
/// </summary>
internal static class OpenApiDocumentation
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/v1.json";
    public const string ReferencePath = "/docs";
    public const string ApiKeyScheme = "ApiKey";

    public static IServiceCollection AddPubSubOpenApi(this IServiceCollection services)
    {
        // The schema generator reads these (minimal APIs' JSON options), not MVC's: the same names as on the wire.
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.SnakeCaseLower;
            json.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict; // numbers are numbers, never strings
            json.SerializerOptions.RespectNullableAnnotations = true;
            json.SerializerOptions.RespectRequiredConstructorParameters = true;
            json.SerializerOptions.Encoder = WireJson.Encoder;
        });
        services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "PubSub REST API",
                    Version = "1.2",
                    Description = "Topics, history and publish over HTTP (PROTOCOL.md §6). Every `/api/...` path answers with and " +
                        "without its trailing slash; `/topics`, `/health` and `/stats` are the assignment's aliases of the same calls. " +
                        "Errors are `{\"error\": \"…\", \"code\": \"…\"}`; an unknown path is 404 and a wrong method 405, with that body. " +
                        "Bodies are read as JSON whatever their Content-Type, up to `PubSub:Limits:MaxMessageBytes` (413 beyond). " +
                        "With `PubSub:Auth:Enabled`, every call but health needs an API key (401 without one, 403 when the key may not).",
                };
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = "X-API-Key",
                    Description = "Needed only when PubSub:Auth:Enabled is true. The query parameter api_key works too.",
                };
                AnyJsonMayBeNull(document);
                return Task.CompletedTask;
            });
            options.AddSchemaTransformer((schema, context, _) =>
            {
                if (ApiExamples.ForType(context.JsonTypeInfo.Type) is { } example)
                {
                    schema.Examples = [JsonNode.Parse(example)!];
                }

                return Task.CompletedTask;
            });
            options.AddOperationTransformer<PubSubOperationTransformer>();
        });
        return services;
    }

    // A JsonElement (metadata, payloads) is any JSON value, null included: its schema is {}. The generator writes a
    // JsonElement? property as oneOf [null, {}], which matches null twice and so rejects it; {} alone says it right.
    private static void AnyJsonMayBeNull(OpenApiDocument document)
    {
        foreach (var schema in document.Components?.Schemas?.Values.OfType<OpenApiSchema>() ?? [])
        {
            foreach (var (name, property) in schema.Properties?.ToList() ?? [])
            {
                if (property is OpenApiSchema { OneOf: [_, _] oneOf } && oneOf.OfType<OpenApiSchemaReference>().FirstOrDefault(r => r.Reference.Id == "JsonElement") is { } any)
                {
                    schema.Properties![name] = any;
                }
            }
        }
    }

    public static WebApplication MapPubSubOpenApi(this WebApplication app)
    {
        app.MapOpenApi("/openapi/{documentName}.json").AllowAnonymous();
        // Everything from this server: Scalar's script is served from the package; its web fonts (a CDN), its developer
        // toolbar (Configure, Share, Generate SDK, Deploy: links to Scalar's services), its AI chat, MCP, telemetry and
        // the sidebar's button to Scalar's hosted client are off, so the reference works offline.
        app.MapScalarApiReference(ReferencePath, scalar => scalar
            .WithTitle("PubSub REST API")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json")
            .WithFavicon("/favicon.ico")
            .DisableDefaultFonts()
            .HideDeveloperTools()
            .DisableAgent()
            .DisableMcp()
            .DisableTelemetry()
            .HideClientButton() // "Open API Client" opens client.scalar.com
            .AddDocument(DocumentName))
            .AllowAnonymous();
        return app;
    }
}
