using Microsoft.Extensions.Options;

namespace PubSub.Server.Hosting;

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
