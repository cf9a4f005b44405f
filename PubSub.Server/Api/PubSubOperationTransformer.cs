using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc.Controllers;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace PubSub.Server.Api;

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
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = PubSub.Core.PubSubBroker.IdempotencyKeyMaxLength },
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
