using Microsoft.Extensions.Options;

namespace PubSub.Core.Hosting;

/// <summary>Checks <see cref="PubSubOptions"/> at start so a bad setting fails the host, not the first publish.</summary>
internal sealed class PubSubOptionsValidator : IValidateOptions<PubSubOptions>
{
    public ValidateOptionsResult Validate(string? name, PubSubOptions options)
    {
        var failures = new List<string>();
        if (options.Queue is null || options.History is null || options.Limits is null)
        {
            return ValidateOptionsResult.Fail("PubSub:Queue, PubSub:History and PubSub:Limits must be objects.");
        }

        if (options.Queue.MaxBytes is < 1024 or > 1L << 30)
        {
            failures.Add($"PubSub:Queue:MaxBytes must be between 1024 and 1073741824 (was {options.Queue.MaxBytes}).");
        }

        var limits = options.Limits;
        if (limits.MaxSubscriptionsPerConnection is < 1 or > 1_000_000)
        {
            failures.Add($"PubSub:Limits:MaxSubscriptionsPerConnection must be between 1 and 1000000 (was {limits.MaxSubscriptionsPerConnection}).");
        }

        if (limits.MaxTopics is < 1 or > 10_000_000)
        {
            failures.Add($"PubSub:Limits:MaxTopics must be between 1 and 10000000 (was {limits.MaxTopics}).");
        }

        if (limits.MaxMetadataBytes is < 2 or > 16 * 1024 * 1024)
        {
            failures.Add($"PubSub:Limits:MaxMetadataBytes must be between 2 and 16777216 (was {limits.MaxMetadataBytes}).");
        }

        if (limits.MaxIdLength is < 1024 or > 1024 * 1024)
        {
            failures.Add($"PubSub:Limits:MaxIdLength must be between 1024 and 1048576 (was {limits.MaxIdLength}): v1 clients send ids of up to 1024 characters.");
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
