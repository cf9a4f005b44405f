using System.Text.Json.Serialization;

namespace PubSub.Server.Api;

public sealed record ErrorResponse(string Error, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Code = null);
