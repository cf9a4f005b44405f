using Microsoft.Extensions.Options;

namespace PubSub.Server.Hosting;

internal sealed class MetricsOptionsValidator : IValidateOptions<MetricsOptions>
{
    public ValidateOptionsResult Validate(string? name, MetricsOptions options) =>
        options.Port is < 1 or > 65535
            ? ValidateOptionsResult.Fail($"PubSub:Metrics:Port must be a TCP port from 1 to 65535 (was {options.Port}); leave it unset to serve /metrics on the main address.")
            : ValidateOptionsResult.Success;
}
