using System.Text.Json;

namespace PubSub.Server.Api;

// Request bodies as the OpenAPI document describes them. The controllers read bodies themselves (JsonBody), so that
// any Content-Type is read as JSON and errors keep the protocol's wording; these records are the documented shape.

/// <summary>Body of <c>POST /api/topics/{name}/messages/</c>: publish over HTTP.</summary>
/// <param name="Payload">The message: any JSON value, delivered to subscribers as it is.</param>
/// <param name="Id">The message's id, a UUID; assigned when absent.</param>
/// <param name="ClientId">Shown to subscribers and in history as the publisher; <c>rest</c> when absent.</param>
public sealed record PublishRequest([property: System.ComponentModel.DataAnnotations.Required] JsonElement Payload, string? Id = null, string? ClientId = null);
