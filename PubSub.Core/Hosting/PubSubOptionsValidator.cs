using Microsoft.Extensions.Options;

namespace PubSub.Core.Hosting;

/// <summary>Checks <see cref="PubSubOptions"/> at start so a bad setting fails the host, not the first publish.</summary>
internal sealed class PubSubOptionsValidator : IValidateOptions<PubSubOptions>
{
    public ValidateOptionsResult Validate(string? name, PubSubOptions options)
    {
        var failures = new List<string>();
        if (options.Queue is null || options.History is null)
        {
            return ValidateOptionsResult.Fail("PubSub:Queue and PubSub:History must be objects.");
        }

        if (options.Queue.Capacity is < 1 or > 1_000_000)
        {
            failures.Add($"PubSub:Queue:Capacity must be between 1 and 1000000 (was {options.Queue.Capacity}).");
        }

        if (!Enum.IsDefined(options.Queue.OverflowPolicy))
        {
            failures.Add($"PubSub:Queue:OverflowPolicy must be DropOldest or Disconnect (was {options.Queue.OverflowPolicy}).");
        }

        if (options.History.Capacity is < 0 or > 1_000_000)
        {
            failures.Add($"PubSub:History:Capacity must be between 0 and 1000000 (was {options.History.Capacity}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
