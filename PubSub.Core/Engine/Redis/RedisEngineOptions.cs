using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace PubSub.Core.Engine.Redis;

/// <summary>The Redis engine (scale-out), section <c>PubSub:Redis</c>. Every node with the same Redis and prefix is one broker.</summary>
public sealed class RedisEngineOptions
{
    /// <summary>The configuration section these options are bound from.</summary>
    public const string SectionName = "PubSub:Redis";

    /// <summary>
    /// A StackExchange.Redis configuration string, e.g. <c>localhost:6379</c> or <c>redis1:6379,password=…,ssl=true</c>.
    /// Setting it switches the node to the Redis engine; unset (default), the node runs in memory, alone.
    /// </summary>
    public string? Configuration { get; set; }

    /// <summary>
    /// Several independent Redis servers (not a Redis Cluster), each a configuration string like
    /// <see cref="Configuration"/> (<c>PubSub:Redis:Shards:0</c>, <c>…:1</c>, …), instead of <see cref="Configuration"/>.
    /// A topic lives on the shard chosen by a jump consistent hash of its name (<see cref="ShardHash"/>); the registry of
    /// topics and the nodes' reports live on the first. Every node must list the same shards in the same order: a topic
    /// found on another shard than before has lost its history (see docs/deploy.md).
    /// </summary>
    public List<string> Shards { get; set; } = [];

    /// <summary>The configuration string of each Redis the engine uses: <see cref="Configuration"/> alone, or <see cref="Shards"/>.</summary>
    internal IReadOnlyList<string> Servers => Shards.Count > 0 ? Shards : [Configuration!];

    /// <summary>
    /// Prefix of every key and channel, so that several brokers can share one Redis. Default <c>pubsub:</c>;
    /// 1–64 characters of <c>A-Z a-z 0-9 . _ - :</c>. No braces: the keys carry their own hash tags (one slot per
    /// topic on a Redis Cluster), and a brace in the prefix would pin every key to one slot.
    /// </summary>
    public string KeyPrefix { get; set; } = "pubsub:";

    /// <summary>
    /// How long a call to Redis may take before the request gets <c>UNAVAILABLE</c> (100 ms – 60 s). Default 2 s.
    /// While Redis is unreachable, calls fail at once instead.
    /// </summary>
    public TimeSpan OperationTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long one attempt to connect may take (100 ms – 60 s). Default 2 s; the client keeps retrying in the background.</summary>
    public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How many Redis replicas must hold a message before its publish is acked (0 – 16). Default 0: an ack means the
    /// message is in the Redis primary's memory. Above 0, each publish is followed by Redis <c>WAIT</c> for at most half
    /// of <see cref="OperationTimeout"/>; when fewer replicas acknowledge it in time the publisher gets <c>UNAVAILABLE</c>
    /// saying the message is stored on the primary but not yet on the replicas.
    /// </summary>
    public int AckReplicas { get; set; }

    /// <summary>
    /// How often the node publishes a probe to itself over Redis to check that its receiving link (the pub/sub
    /// connection that carries every topic's events) still delivers (50 ms – 60 s). Default 1 s.
    /// </summary>
    public TimeSpan LinkProbeInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long the receiving link may stay silent, the node's own probes included, before the node reports not ready,
    /// reconnects the link and repairs from history (at least twice <see cref="LinkProbeInterval"/>, at most 10 min).
    /// Default 5 s.
    /// </summary>
    public TimeSpan LinkProbeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Messages of one topic that may wait between the Redis client and this node's subscribers (1,000 – 10,000,000).
    /// Default 100,000. Beyond, the node skips them and reads them from history once it has caught up: memory stays
    /// bounded, and nothing history still holds is lost (what it no longer holds is announced as a <c>gap</c>).
    /// </summary>
    public int ReceiveQueueCapacity { get; set; } = 100_000;

    /// <summary>Whether <see cref="Configuration"/> is set, i.e. the Redis engine is wanted.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(Configuration) || Shards.Count > 0;
}

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
