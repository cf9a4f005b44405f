using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;

namespace PubSub.Tests.Rest;

/// <summary>
/// Validates JSON against the schemas of an OpenAPI 3.1 document with JsonSchema.Net: a schema taken from the document
/// gets the document's <c>components.schemas</c> as its <c>$defs</c>, so its references resolve, and formats
/// (<c>date-time</c>) are checked too.
/// </summary>
internal sealed class OpenApiSchemas(JsonNode document)
{
    private static readonly EvaluationOptions Options = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    public JsonNode Document { get; } = document;

    /// <summary>The schema of <paramref name="status"/>'s <c>application/json</c> answer of one operation.</summary>
    public JsonNode ResponseSchema(string path, string method, int status) =>
        Document["paths"]?[path]?[method.ToLowerInvariant()]?["responses"]?[status.ToString(System.Globalization.CultureInfo.InvariantCulture)]?["content"]?["application/json"]?["schema"]
        ?? throw new Xunit.Sdk.XunitException($"the document has no application/json schema for {method} {path} → {status}");

    public JsonNode ComponentSchema(string name) =>
        Document["components"]?["schemas"]?[name] ?? throw new Xunit.Sdk.XunitException($"no component schema {name}");

    /// <summary>The errors of <paramref name="instance"/> against <paramref name="schema"/> (none when it validates).</summary>
    public IReadOnlyList<string> Errors(JsonNode schema, JsonElement instance)
    {
        var root = JsonNode.Parse(schema.ToJsonString())!.AsObject();
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        root["$defs"] = JsonNode.Parse(Document["components"]?["schemas"]?.ToJsonString() ?? "{}");
        var text = root.ToJsonString().Replace("#/components/schemas/", "#/$defs/", StringComparison.Ordinal);
        var built = JsonSchema.FromText(text, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        var result = built.Evaluate(instance, Options);
        return result.IsValid
            ? []
            : (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.SchemaLocation}): {e.Key}: {e.Value}"))
                .DefaultIfEmpty("invalid")
                .ToList();
    }
}
