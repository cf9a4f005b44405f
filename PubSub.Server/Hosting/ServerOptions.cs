using Microsoft.Extensions.Options;
using PubSub.Core.Access;

namespace PubSub.Server.Hosting;

/// <summary>The raw JSON WebSocket endpoint, section <c>PubSub:WebSocket</c>.</summary>
public sealed class WsEndpointOptions
{
    public const string SectionName = "PubSub:WebSocket";

    /// <summary>Largest client frame accepted, in bytes; a larger one gets BAD_REQUEST and close 1009. Default 65536.</summary>
    public int MaxFrameBytes { get; set; } = 64 * 1024;

    /// <summary>Period of the <c>info</c> <c>ping</c> frame on every connection; zero turns it off. Default 30 s.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>WebSocket protocol-level ping period (keep-alive). Default 30 s.</summary>
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The frames <c>/ws</c> speaks: <see cref="WsDialect.Standard"/> (default) or <see cref="WsDialect.Seed"/> for the
    /// original Django server's own clients (PROTOCOL.md §9). Only <c>/ws</c> changes; the hub and REST do not.
    /// </summary>
    public WsDialect Dialect { get; set; } = WsDialect.Standard;

    /// <summary>
    /// A peer that does not answer a keep-alive ping within this time is dropped (and unsubscribed); zero only
    /// sends unsolicited pongs and never drops. Default 20 s, so a vanished peer goes within interval + timeout.
    /// </summary>
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>A client message whose frame(s) stay unfinished this long gets BAD_REQUEST and close 1008; zero turns it off. Default 30 s.</summary>
    public TimeSpan FrameTimeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>Graceful shutdown, section <c>PubSub:Shutdown</c>.</summary>
public sealed class ShutdownOptions
{
    public const string SectionName = "PubSub:Shutdown";

    /// <summary>How long connections get to flush queued frames before <c>server_shutdown</c> and close 1001. Default 5 s.</summary>
    public TimeSpan FlushTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>
/// Rate limits, section <c>PubSub:RateLimit</c>: per connection (<c>/ws</c>, the hub) or per key or client address
/// (REST), and per API key across all of its connections. A rate of 0 turns that limit off; a burst of 0 means the rate.
/// </summary>
public sealed class RateLimitOptions
{
    public const string SectionName = "PubSub:RateLimit";

    /// <summary>Sustained publishes per second per connection (REST: per key or address); 0 (default) is no limit.</summary>
    public int PublishesPerSecond { get; set; }

    /// <summary>Publishes allowed in a burst above the sustained rate; 0 means the same as <see cref="PublishesPerSecond"/>.</summary>
    public int Burst { get; set; }

    /// <summary>
    /// Sustained control requests per second per connection (REST creates and deletes: per key or address): subscribe,
    /// unsubscribe, create, delete, ping, list, hub streams. Default 500, with <see cref="ControlBurst"/> 1000: a client
    /// subscribing to its topics at start never meets it; a flood does.
    /// </summary>
    public int ControlPerSecond { get; set; } = 500;

    /// <summary>Control requests allowed in a burst. Default 1000.</summary>
    public int ControlBurst { get; set; } = 1000;

    /// <summary>
    /// Sustained REST reads per second per API key (or client address without one): topic lists and details, history
    /// pages, <c>/stats</c>. Default 500, with <see cref="ReadBurst"/> 1000: a script paging through a topic's history
    /// never meets it; a flood does. Probes (<c>/health</c>) are not limited.
    /// </summary>
    public int ReadsPerSecond { get; set; } = 500;

    /// <summary>REST reads allowed in a burst. Default 1000.</summary>
    public int ReadBurst { get; set; } = 1000;

    /// <summary>Sustained publishes per second of one API key over all its connections; 0 (default) is no limit.</summary>
    public int KeyPublishesPerSecond { get; set; }

    /// <summary>Publishes one key may burst over all its connections; 0 means <see cref="KeyPublishesPerSecond"/>.</summary>
    public int KeyPublishBurst { get; set; }

    /// <summary>Sustained control requests per second of one API key over all its connections. Default 5000.</summary>
    public int KeyControlPerSecond { get; set; } = 5000;

    /// <summary>Control requests one key may burst over all its connections. Default 10000.</summary>
    public int KeyControlBurst { get; set; } = 10_000;
}

/// <summary>API-key auth, section <c>PubSub:Auth</c>. Off by default.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "PubSub:Auth";

    /// <summary>Require a key on REST (but <c>/health</c>) and on the <c>/ws</c> upgrade. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>The keys accepted.</summary>
    public List<ApiKeyOptions> Keys { get; set; } = [];

    /// <summary>The name of the key at <paramref name="index"/>: its own, or <c>key-N</c> when none is set.</summary>
    internal static string NameOf(ApiKeyOptions key, int index) => string.IsNullOrWhiteSpace(key.Name) ? $"key-{index}" : key.Name.Trim();
}

/// <summary>One API key and what it may do.</summary>
public sealed class ApiKeyOptions
{
    /// <summary>The secret the client sends (header <c>X-API-Key</c> or query <c>api_key</c>).</summary>
    public string Key { get; set; } = "";

    /// <summary>A name for people and logs, unique among the keys; defaults to <c>key-N</c>, N its position. Rights never follow the name.</summary>
    public string? Name { get; set; }

    /// <summary>Topic names or prefixes ending in <c>*</c> the key may use; empty means every topic.</summary>
    public List<string> Topics { get; set; } = [];

    /// <summary>
    /// Operations allowed: <c>publish</c>, <c>subscribe</c>, <c>read</c> (a topic's details, subscribers and history),
    /// <c>manage</c> (create and delete topics, disconnect connections); empty means all.
    /// </summary>
    public List<string> Operations { get; set; } = [];
}

internal sealed class ServerOptionsValidator :
    IValidateOptions<WsEndpointOptions>, IValidateOptions<ShutdownOptions>, IValidateOptions<RateLimitOptions>, IValidateOptions<AuthOptions>
{
    private static readonly string[] KnownOperations = Enum.GetValues<PubSubOperation>().Select(AuthorizerExtensions.Verb).ToArray();

    public ValidateOptionsResult Validate(string? name, WsEndpointOptions options)
    {
        var failures = new List<string>();
        if (options.MaxFrameBytes is < 256 or > 16 * 1024 * 1024)
        {
            failures.Add($"PubSub:WebSocket:MaxFrameBytes must be between 256 and 16777216 (was {options.MaxFrameBytes}).");
        }

        if (options.HeartbeatInterval < TimeSpan.Zero || options.KeepAliveInterval < TimeSpan.Zero)
        {
            failures.Add("PubSub:WebSocket intervals must not be negative.");
        }

        if (!Enum.IsDefined(options.Dialect))
        {
            failures.Add($"PubSub:WebSocket:Dialect must be Standard or Seed (was {options.Dialect}).");
        }

        if (options.KeepAliveTimeout < TimeSpan.Zero || options.KeepAliveTimeout > TimeSpan.FromHours(1))
        {
            failures.Add($"PubSub:WebSocket:KeepAliveTimeout must be between 0 and 1 hour (was {options.KeepAliveTimeout}).");
        }

        if (options.FrameTimeout < TimeSpan.Zero || options.FrameTimeout > TimeSpan.FromHours(1))
        {
            failures.Add($"PubSub:WebSocket:FrameTimeout must be between 0 and 1 hour (was {options.FrameTimeout}).");
        }

        return Result(failures);
    }

    public ValidateOptionsResult Validate(string? name, ShutdownOptions options) =>
        options.FlushTimeout < TimeSpan.Zero || options.FlushTimeout > TimeSpan.FromMinutes(5)
            ? ValidateOptionsResult.Fail($"PubSub:Shutdown:FlushTimeout must be between 0 and 5 minutes (was {options.FlushTimeout}).")
            : ValidateOptionsResult.Success;

    public ValidateOptionsResult Validate(string? name, RateLimitOptions options) =>
        new[] { options.PublishesPerSecond, options.Burst, options.ControlPerSecond, options.ControlBurst, options.ReadsPerSecond, options.ReadBurst, options.KeyPublishesPerSecond, options.KeyPublishBurst, options.KeyControlPerSecond, options.KeyControlBurst }.Any(v => v < 0)
            ? ValidateOptionsResult.Fail("PubSub:RateLimit: rates and bursts must not be negative.")
            : ValidateOptionsResult.Success;

    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var failures = new List<string>();
        if (options.Enabled && options.Keys.Count == 0)
        {
            failures.Add("PubSub:Auth:Enabled is true but PubSub:Auth:Keys is empty: no client could connect.");
        }

        for (var i = 0; i < options.Keys.Count; i++)
        {
            var key = options.Keys[i];
            if (string.IsNullOrWhiteSpace(key.Key) || key.Key.Length < 16)
            {
                failures.Add($"PubSub:Auth:Keys:{i}:Key must be at least 16 characters.");
            }

            foreach (var op in key.Operations.Where(op => !KnownOperations.Contains(op, StringComparer.OrdinalIgnoreCase)))
            {
                failures.Add($"PubSub:Auth:Keys:{i}:Operations has unknown operation '{op}' (use {string.Join(", ", KnownOperations)}).");
            }
        }

        if (options.Keys.Select(k => k.Key).Distinct(StringComparer.Ordinal).Count() != options.Keys.Count)
        {
            failures.Add("PubSub:Auth:Keys has the same key twice.");
        }

        // Names are for people; still, two keys named alike could not be told apart in logs and once swapped rights.
        foreach (var clash in options.Keys.Select((key, i) => (Name: AuthOptions.NameOf(key, i), Index: i))
                     .GroupBy(k => k.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
        {
            failures.Add($"PubSub:Auth:Keys: keys {string.Join(" and ", clash.Select(k => k.Index))} have the same Name '{clash.Key}'; names must be unique (an unnamed key is named key-N).");
        }

        return Result(failures);
    }

    private static ValidateOptionsResult Result(List<string> failures) =>
        failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
}
