using Microsoft.Extensions.Options;
using PubSub.Core.Access;

namespace PubSub.Server.Hosting;

internal sealed class ServerOptionsValidator :
    IValidateOptions<WsEndpointOptions>, IValidateOptions<HeartbeatOptions>, IValidateOptions<ShutdownOptions>, IValidateOptions<RateLimitOptions>, IValidateOptions<AuthOptions>
{
    private static readonly string[] KnownOperations = Enum.GetValues<PubSubOperation>().Select(IPubSubAuthorizer.Verb).ToArray();

    public ValidateOptionsResult Validate(string? name, WsEndpointOptions options)
    {
        var failures = new List<string>();
        if (options.KeepAliveInterval < TimeSpan.Zero)
        {
            failures.Add($"PubSub:WebSocket:KeepAliveInterval must not be negative (was {options.KeepAliveInterval}).");
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

    public ValidateOptionsResult Validate(string? name, HeartbeatOptions options) =>
        options.Interval < TimeSpan.Zero
            ? ValidateOptionsResult.Fail($"PubSub:Heartbeat:Interval must not be negative (was {options.Interval}).")
            : ValidateOptionsResult.Success;

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
