using System.Diagnostics;
using System.Globalization;

namespace PubSub.Tests.Infrastructure;

/// <summary>Ending a process a test started: SIGTERM, as a service manager stops it, or a kill that always releases it.</summary>
internal static class ChildProcess
{
    /// <summary>
    /// Sends SIGTERM through <c>kill</c> (the graceful path; Ctrl-C in a terminal takes the same one, but SIGINT can't be
    /// used here: a process started without a terminal may inherit it ignored). Returns <c>kill</c>'s exit code, 0 when sent.
    /// </summary>
    public static async Task<int> TerminateAsync(Process process)
    {
        using var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync().Within();
        return kill.ExitCode;
    }

    /// <summary>
    /// Kills the process and its children if it still runs, waits for its end within the short bound, and releases its
    /// handle even when that wait times out.
    /// </summary>
    public static async ValueTask KillAndReleaseAsync(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            await process.WaitForExitAsync().Within();
        }
        finally
        {
            process.Dispose();
        }
    }
}
