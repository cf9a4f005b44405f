using System.Text.Json.Serialization;

namespace PubSub.Server.Api;

/// <summary>One health check: its name (<c>process</c>, <c>redis</c>, <c>cluster</c>), status and duration, what it says and, when it failed, why.</summary>
public sealed record HealthCheckBody(string Name, string Status, double DurationMs)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Description { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Error { get; init; }
}
