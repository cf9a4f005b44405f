using Microsoft.Extensions.Options;

namespace PubSub.Server.Hosting;

/// <summary>Browser origins allowed besides the server's own (PROTOCOL.md §4, "Origins"), key <c>PubSub:AllowedOrigins:N</c>.</summary>
public sealed class OriginOptions
{
    /// <summary>The section the list is bound from: <c>PubSub</c>, so that the key reads <c>PubSub:AllowedOrigins:0</c>.</summary>
    public const string SectionName = "PubSub";

    /// <summary>
    /// Origins (<c>scheme://host[:port]</c>, no path) whose pages may open <c>/ws</c>, the hub and the dashboard's
    /// connection and send state-changing REST calls; <c>*</c> allows any. Empty (default): only the server's own.
    /// </summary>
    public List<string> AllowedOrigins { get; set; } = [];

    /// <summary>Whether the list holds <c>*</c>.</summary>
    internal bool AllowsAny => AllowedOrigins.Contains("*");
}

internal sealed class OriginOptionsValidator : IValidateOptions<OriginOptions>
{
    public ValidateOptionsResult Validate(string? name, OriginOptions options)
    {
        var failures = new List<string>();
        for (var i = 0; i < options.AllowedOrigins.Count; i++)
        {
            var origin = options.AllowedOrigins[i];
            if (origin != "*" && OriginCheck.Parse(origin) is null)
            {
                failures.Add($"PubSub:AllowedOrigins:{i} must be * or an origin like https://app.example.com[:port] with no path (was '{origin}').");
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
