using Microsoft.Extensions.Options;

namespace PubSub.Server.Limits;

/// <summary>Refuses a connection cap that is out of range or leaves no headroom below the open-file limit.</summary>
internal sealed class ConnectionLimitValidator(Func<long?> openFileLimit) : IValidateOptions<ConnectionLimitOptions>
{
    public ConnectionLimitValidator()
        : this(() => OpenFileLimit.Read())
    {
    }

    public ValidateOptionsResult Validate(string? name, ConnectionLimitOptions options)
    {
        if (options.MaxConnections is not { } max)
        {
            return ValidateOptionsResult.Success;
        }

        if (max is < 1 or > ConnectionLimitOptions.Ceiling)
        {
            return ValidateOptionsResult.Fail($"PubSub:Limits:MaxConnections must be between 1 and {ConnectionLimitOptions.Ceiling} (was {max}).");
        }

        if (openFileLimit() is { } limit && max > limit - OpenFileLimit.Headroom(limit))
        {
            return ValidateOptionsResult.Fail(
                $"PubSub:Limits:MaxConnections {max} leaves too few of the process's {limit} open files for the runtime " +
                $"(at most {limit - OpenFileLimit.Headroom(limit)}); raise the limit (ulimit -n) or lower the cap.");
        }

        return ValidateOptionsResult.Success;
    }
}
