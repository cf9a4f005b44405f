using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace PubSub.Core.Engine.Redis;

/// <summary>Checks <see cref="RedisEngineOptions"/> at start, naming the option and the fix.</summary>
internal sealed class RedisEngineOptionsValidator : IValidateOptions<RedisEngineOptions>
{
    public ValidateOptionsResult Validate(string? name, RedisEngineOptions options)
    {
        var failures = new List<string>();
        if (!options.Enabled)
        {
            failures.Add("PubSub:Redis:Configuration (or PubSub:Redis:Shards) must be set for the Redis engine (e.g. localhost:6379).");
        }
        else if (!string.IsNullOrWhiteSpace(options.Configuration) && options.Shards.Count > 0)
        {
            failures.Add("Set either PubSub:Redis:Configuration (one Redis, or a Redis Cluster) or PubSub:Redis:Shards (several standalone Redis servers), not both.");
        }
        else
        {
            for (var i = 0; i < options.Servers.Count; i++)
            {
                var key = options.Shards.Count > 0 ? $"PubSub:Redis:Shards:{i}" : "PubSub:Redis:Configuration";
                try
                {
                    if (string.IsNullOrWhiteSpace(options.Servers[i]) || ConfigurationOptions.Parse(options.Servers[i]).EndPoints.Count == 0)
                    {
                        failures.Add($"{key} names no Redis endpoint (e.g. localhost:6379).");
                    }
                }
                catch (Exception ex) when (ex is ArgumentException or RedisConnectionException)
                {
                    failures.Add($"{key} is not a valid StackExchange.Redis configuration string: {ex.Message}");
                }
            }

            if (options.Shards.Count > 64)
            {
                failures.Add($"PubSub:Redis:Shards lists {options.Shards.Count} servers; at most 64.");
            }
        }

        if (string.IsNullOrEmpty(options.KeyPrefix) || options.KeyPrefix.Length > 64 || !options.KeyPrefix.All(IsPrefixChar))
        {
            failures.Add(options.KeyPrefix.Any(c => c is '{' or '}')
                ? $"PubSub:Redis:KeyPrefix may not contain braces (was '{options.KeyPrefix}'): the keys carry their own Redis Cluster hash tags, one slot per topic, and a brace in the prefix would pin every key to one slot. Use e.g. 'pubsub:'."
                : $"PubSub:Redis:KeyPrefix must be 1-64 characters of A-Z a-z 0-9 . _ - : (was '{options.KeyPrefix}').");
        }

        if (options.OperationTimeout < TimeSpan.FromMilliseconds(100) || options.OperationTimeout > TimeSpan.FromSeconds(60))
        {
            failures.Add($"PubSub:Redis:OperationTimeout must be between 00:00:00.1 and 00:01:00 (was {options.OperationTimeout}).");
        }

        if (options.ConnectTimeout < TimeSpan.FromMilliseconds(100) || options.ConnectTimeout > TimeSpan.FromSeconds(60))
        {
            failures.Add($"PubSub:Redis:ConnectTimeout must be between 00:00:00.1 and 00:01:00 (was {options.ConnectTimeout}).");
        }

        if (options.AckReplicas is < 0 or > 16)
        {
            failures.Add($"PubSub:Redis:AckReplicas must be between 0 and 16 (was {options.AckReplicas}).");
        }

        if (options.LinkProbeInterval < TimeSpan.FromMilliseconds(50) || options.LinkProbeInterval > TimeSpan.FromSeconds(60))
        {
            failures.Add($"PubSub:Redis:LinkProbeInterval must be between 00:00:00.05 and 00:01:00 (was {options.LinkProbeInterval}).");
        }

        if (options.LinkProbeTimeout < 2 * options.LinkProbeInterval || options.LinkProbeTimeout > TimeSpan.FromMinutes(10))
        {
            failures.Add($"PubSub:Redis:LinkProbeTimeout must be at least twice PubSub:Redis:LinkProbeInterval ({options.LinkProbeInterval}) and at most 00:10:00 (was {options.LinkProbeTimeout}).");
        }

        if (options.ReceiveQueueCapacity is < 1000 or > 10_000_000)
        {
            failures.Add($"PubSub:Redis:ReceiveQueueCapacity must be between 1000 and 10000000 (was {options.ReceiveQueueCapacity}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static bool IsPrefixChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' or ':';
}
