using Microsoft.Extensions.Options;

namespace PubSub.Core.Hosting;

/// <summary>Checks <see cref="PubSubOptions"/> at start so a bad setting fails the host, not the first publish.</summary>
internal sealed class PubSubOptionsValidator : IValidateOptions<PubSubOptions>
{
    public ValidateOptionsResult Validate(string? name, PubSubOptions options)
    {
        var failures = new List<string>();
        if (options.Queue is null || options.History is null || options.Limits is null || options.Cluster is null || options.Publish is null)
        {
            return ValidateOptionsResult.Fail("PubSub:Queue, PubSub:History, PubSub:Limits, PubSub:Cluster and PubSub:Publish must be objects.");
        }

        var cluster = options.Cluster;
        if (cluster.NodeId is { Length: > 0 } nodeId && !Cluster.ClusterOptions.IsValidNodeId(nodeId))
        {
            failures.Add($"PubSub:Cluster:NodeId must be 1 to 64 letters, digits, '_' or '-' (was '{nodeId}').");
        }

        if (cluster.NodeTimeout < TimeSpan.FromSeconds(1) || cluster.NodeTimeout > TimeSpan.FromHours(1))
        {
            failures.Add($"PubSub:Cluster:NodeTimeout must be between 00:00:01 and 01:00:00 (was {cluster.NodeTimeout}).");
        }

        if (cluster.ReportInterval < TimeSpan.FromMilliseconds(250) || cluster.ReportInterval * 2 > cluster.NodeTimeout)
        {
            failures.Add($"PubSub:Cluster:ReportInterval must be at least 00:00:00.25 and at most half of PubSub:Cluster:NodeTimeout (was {cluster.ReportInterval}, timeout {cluster.NodeTimeout}).");
        }

        if (cluster.RequestTimeout <= TimeSpan.Zero || cluster.RequestTimeout > TimeSpan.FromMinutes(1))
        {
            failures.Add($"PubSub:Cluster:RequestTimeout must be more than 0 and at most 00:01:00 (was {cluster.RequestTimeout}).");
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

        if (limits.MaxTopicsPerKey < 1)
        {
            failures.Add($"PubSub:Limits:MaxTopicsPerKey must be at least 1 (was {limits.MaxTopicsPerKey}).");
        }

        if (limits.MaxMetadataBytes is < 2 or > 16 * 1024 * 1024)
        {
            failures.Add($"PubSub:Limits:MaxMetadataBytes must be between 2 and 16777216 (was {limits.MaxMetadataBytes}).");
        }

        // Below 1024 some v1 clients' ids are refused: the default never is, a stricter value is the operator's choice.
        if (limits.MaxIdLength is < 1 or > 1024 * 1024)
        {
            failures.Add($"PubSub:Limits:MaxIdLength must be between 1 and 1048576 (was {limits.MaxIdLength}).");
        }

        if (limits.MaxMessageBytes is < 256 or > 16 * 1024 * 1024)
        {
            failures.Add($"PubSub:Limits:MaxMessageBytes must be between 256 and 16777216 (was {limits.MaxMessageBytes}).");
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

        if (options.History.MaxBytes is < 1024 or > 1L << 30)
        {
            failures.Add($"PubSub:History:MaxBytes must be between 1024 and 1073741824 (was {options.History.MaxBytes}).");
        }

        if (options.Publish.IdempotencyWindow < TimeSpan.FromSeconds(1) || options.Publish.IdempotencyWindow > TimeSpan.FromDays(1))
        {
            failures.Add($"PubSub:Publish:IdempotencyWindow must be between 00:00:01 and 1.00:00:00 (was {options.Publish.IdempotencyWindow}).");
        }

        if (options.Publish.IdempotencyMaxKeysPerTopic is < 1 or > 10_000_000)
        {
            failures.Add($"PubSub:Publish:IdempotencyMaxKeysPerTopic must be between 1 and 10000000 (was {options.Publish.IdempotencyMaxKeysPerTopic}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
