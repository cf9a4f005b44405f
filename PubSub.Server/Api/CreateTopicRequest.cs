using System.Text.Json;

namespace PubSub.Server.Api;

// Request bodies as the OpenAPI document describes them. The controllers read bodies themselves (JsonBody), so that
// any Content-Type is read as JSON and errors keep the protocol's wording; these records are the documented shape.

/// <summary>Body of <c>POST /api/topics/create/</c> and <c>POST /topics</c>.</summary>
/// <param name="Name">The topic's name: 1 to 128 characters of A-Z a-z 0-9 . _ - :, starting with a letter or digit.</param>
/// <param name="Metadata">Anything JSON, kept with the topic and shown in its details.</param>
public sealed record CreateTopicRequest([property: System.ComponentModel.DataAnnotations.Required] string Name, JsonElement? Metadata = null);
