using PubSub.Core;

namespace PubSub.Server.Hosting;

/// <summary>
/// Configuration keys renamed because the old name said less than the key does. An old key is still read, as an alias,
/// when its new key is not set; when both are set the new one wins and the old one is ignored. Either way the host logs
/// one warning at start naming both keys (README, "Deprecated keys").
/// </summary>
internal static partial class RenamedSettings
{
    /// <summary>Bounds every transport's messages (a /ws frame, a hub message, a REST body), not only /ws frames.</summary>
    public static readonly RenamedSetting MaxMessageBytes = new("PubSub:WebSocket:MaxFrameBytes", "PubSub:Limits:MaxMessageBytes");

    /// <summary>Drives the info ping of every transport, not only /ws.</summary>
    public static readonly RenamedSetting HeartbeatInterval = new("PubSub:WebSocket:HeartbeatInterval", "PubSub:Heartbeat:Interval");

    public static IReadOnlyList<RenamedSetting> All { get; } = [MaxMessageBytes, HeartbeatInterval];

    /// <summary>
    /// Reads each old key into the options that own its new key, when only the old key is set. Call after the options'
    /// own binding (<c>AddPubSub</c>, <c>Bind</c>), so that this runs after it.
    /// </summary>
    public static IServiceCollection AddRenamedSettings(this IServiceCollection services)
    {
        services.AddOptions<PubSubOptions>().Configure<IConfiguration>((options, config) =>
        {
            if (MaxMessageBytes.OnlyOldValue<int>(config) is { } bytes)
            {
                options.Limits.MaxMessageBytes = bytes;
            }
        });
        services.AddOptions<HeartbeatOptions>().Configure<IConfiguration>((options, config) =>
        {
            if (HeartbeatInterval.OnlyOldValue<TimeSpan>(config) is { } interval)
            {
                options.Interval = interval;
            }
        });
        return services;
    }

    /// <summary>Logs, once per start, each old key that is set: read in place of its new key, or ignored beside it.</summary>
    public static void LogDeprecatedKeys(IConfiguration config, ILogger logger)
    {
        foreach (var key in All.Where(k => k.OldIsSet(config)))
        {
            if (key.NewIsSet(config))
            {
                Log.DeprecatedKeyIgnored(logger, key.OldKey, key.NewKey);
            }
            else
            {
                Log.DeprecatedKeyRead(logger, key.OldKey, key.NewKey);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(431, LogLevel.Warning, "Configuration key {OldKey} is deprecated and read as {NewKey}; rename it to {NewKey}")]
        public static partial void DeprecatedKeyRead(ILogger logger, string oldKey, string newKey);

        [LoggerMessage(432, LogLevel.Warning, "Configuration key {OldKey} is deprecated and ignored: {NewKey} is also set and wins; remove {OldKey}")]
        public static partial void DeprecatedKeyIgnored(ILogger logger, string oldKey, string newKey);
    }
}
