using Microsoft.Extensions.Options;
using PubSub.Core;

namespace PubSub.Server.Limits;

/// <summary>
/// Refuses a connection cap (<see cref="LimitOptions.MaxConnections"/>) that is out of range or leaves no headroom below
/// the open-file limit. The host's check, beside the broker's own of the other <c>PubSub:Limits</c>: only the host
/// enforces the cap, and only it knows the process's open-file limit.
/// </summary>
internal sealed class ConnectionLimitValidator(Func<long?> openFileLimit) : IValidateOptions<PubSubOptions>
{
    /// <summary>Highest cap accepted.</summary>
    public const int Ceiling = 1_000_000;

    public ConnectionLimitValidator()
        : this(() => OpenFileLimit.Read())
    {
    }

    public ValidateOptionsResult Validate(string? name, PubSubOptions options)
    {
        if (options.Limits?.MaxConnections is not { } max)
        {
            return ValidateOptionsResult.Success;
        }

        if (max is < 1 or > Ceiling)
        {
            return ValidateOptionsResult.Fail($"PubSub:Limits:MaxConnections must be between 1 and {Ceiling} (was {max}).");
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
