using Microsoft.Extensions.Logging;

namespace PubSub.Dashboard;

/// <summary>The dashboard's log events.</summary>
internal static partial class DashboardLog
{
    [LoggerMessage(501, LogLevel.Information, "Dashboard sign-in with key {KeyName} from {RemoteAddress}")]
    public static partial void SignedIn(ILogger logger, string? keyName, string? remoteAddress);

    // Debug: a client's mistake, and a flood of guesses must not flood the log.
    [LoggerMessage(502, LogLevel.Debug, "Dashboard sign-in refused (unknown key) from {RemoteAddress}")]
    public static partial void SignInRefused(ILogger logger, string? remoteAddress);
}
