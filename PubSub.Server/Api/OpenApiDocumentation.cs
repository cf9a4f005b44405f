using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.OpenApi;
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
                        "Bodies are read as JSON whatever their Content-Type, up to `PubSub:WebSocket:MaxFrameBytes` (413 beyond). " +
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

/// <summary>Names the body a controller action reads itself (see <see cref="JsonBody"/>), for the document.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RequestBodyAttribute(Type type) : Attribute
{
    public Type Type { get; } = type;
}

/// <summary>Request bodies, paging parameters, error examples and the API-key requirement of each operation.</summary>
internal sealed class PubSubOperationTransformer : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        if (metadata.OfType<RequestBodyAttribute>().FirstOrDefault() is { } body)
        {
            var schema = await context.GetOrCreateSchemaAsync(body.Type, null, cancellationToken);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = schema, Example = JsonNode.Parse(ApiExamples.ForType(body.Type)!) },
                },
            };
        }

        // The sidebar of /docs lists summaries: a short title ([EndpointSummary]) there, the XML <summary> (a sentence or
        // two) as the description.
        if (metadata.OfType<Microsoft.AspNetCore.Http.Metadata.IEndpointSummaryMetadata>().LastOrDefault()?.Summary is { } title)
        {
            if (operation.Summary is { Length: > 0 } detail && detail != title)
            {
                operation.Description = string.IsNullOrEmpty(operation.Description) ? detail : $"{detail}\n\n{operation.Description}";
            }

            operation.Summary = title;
        }

        // Both path families carry the same summary; the sidebar of /docs tells them apart by this.
        if (context.Description.ActionDescriptor is ControllerActionDescriptor && context.Description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == false && operation.Summary is { } summary)
        {
            operation.Summary = $"{summary.TrimEnd('.')} (alias)";
        }

        var action = (context.Description.ActionDescriptor as ControllerActionDescriptor)?.ActionName;
        foreach (var parameter in operation.Parameters?.OfType<OpenApiParameter>() ?? [])
        {
            (parameter.Schema, parameter.Description) = (action, parameter.Name) switch
            {
                ("Messages", "limit") => (Integer("1", null, "50"), "Messages per page (default 50); a larger value is capped at 100, as the seed did (the answer's limit says so). Zero, negative or not an integer is 400."),
                ("Messages", "offset") => (Integer("0", null, "0"), "Messages to skip from the newest (default 0). Negative or not an integer is 400."),
                ("List", "limit") => (Integer("1", null, null), "Topics per page (ordered by name). Without limit and offset every topic comes back."),
                ("List", "offset") => (Integer("0", null, "0"), "Topics to skip. Negative or not an integer is 400."),
                _ => (parameter.Schema, parameter.Description),
            };
        }

        if (action == "Publish")
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = TopicsController.IdempotencyKeyHeader,
                In = ParameterLocation.Header,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = PubSub.Core.IdempotencyKeys.MaxLength },
                Description = "Makes the publish safe to retry: a publish with a key this topic has seen within PubSub:Publish:IdempotencyWindow " +
                    "(default 5 minutes, on any node) publishes nothing and is answered 200 with the first publish's id and seq and \"duplicate\": true. " +
                    "1 to 128 characters, sent once; otherwise 400.",
            });
        }

        foreach (var (status, response) in operation.Responses ?? [])
        {
            var example = (action, status) is ("Publish", "200") ? ApiExamples.DuplicatePublish : ApiExamples.ForError(status);
            if (example is not null && response.Content?.TryGetValue("application/json", out var media) == true)
            {
                media.Example = JsonNode.Parse(example);
            }
        }

        if (!metadata.OfType<IAllowAnonymous>().Any())
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(OpenApiDocumentation.ApiKeyScheme, context.Document)] = [] }];
            operation.Responses ??= new OpenApiResponses();
            operation.Responses.TryAdd("401", new OpenApiResponse
            {
                Description = "Auth is on and the request has no valid API key.",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new()
                    {
                        Schema = new OpenApiSchemaReference(nameof(ErrorResponse), context.Document),
                        Example = JsonNode.Parse(ApiExamples.ForError("401")!),
                    },
                },
            });
        }
    }

    private static OpenApiSchema Integer(string minimum, string? maximum, string? fallback) => new()
    {
        Type = JsonSchemaType.Integer,
        Minimum = minimum,
        Maximum = maximum,
        Default = fallback is null ? null : JsonNode.Parse(fallback),
    };
}
