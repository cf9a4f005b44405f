using System.Diagnostics;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Hub;

/// <summary>
/// Runs the Node scripts in <c>PubSub.Tests/js</c> (the <c>@microsoft/signalr</c> client). Installs the pinned
/// packages with <c>npm ci</c> when <c>node_modules</c> is missing. Without node or the packages a test is skipped,
/// visibly with the reason, on a developer machine (<see cref="NodeFactAttribute"/>), but fails when <c>CI=true</c>,
/// so CI can never pass by not running it.
/// </summary>
internal static class NodeRunner
{
    private static readonly SemaphoreSlim InstallLock = new(1, 1);

    // Prepared once per test process: the fact attribute asks at discovery (to skip visibly), the tests ask again.
    private static readonly Lazy<Task<(string? Dir, string? Why)>> Prepared = new(TryPrepareAsync);

    /// <summary>
    /// Why the JavaScript tests are skipped on this machine (node missing, <c>npm ci</c> failed), or null to run them.
    /// Never a reason under CI=true: there they run, and fail when the client cannot run.
    /// </summary>
    public static string? SkipReason =>
        Requires.InCi ? null : Prepared.Value.GetAwaiter().GetResult().Why is { } why ? $"{why}; under CI=true this test fails instead" : null;

    /// <summary>The js folder, ready to run; throws (a failure) when it cannot be, which outside CI the attribute has skipped.</summary>
    public static async Task<string> PrepareAsync()
    {
        var (dir, why) = await Prepared.Value;
        return dir ?? throw new Xunit.Sdk.XunitException($"the JavaScript client cannot run: {why}");
    }

    private static async Task<(string? Dir, string? Why)> TryPrepareAsync()
    {
        var dir = FindJsDirectory();
        if (dir is null || await RunAsync("node", ["--version"], Directory.GetCurrentDirectory(), TimeSpan.FromSeconds(30)) is not (0, _))
        {
            return (null, $"node or PubSub.Tests/js was not found (js dir: {dir ?? "none"})");
        }

        await InstallLock.WaitAsync(Timeouts.Long * 5);
        try
        {
            if (!File.Exists(Path.Combine(dir, "node_modules", "@microsoft", "signalr", "package.json")))
            {
                var (exit, output) = await RunAsync("npm", ["ci", "--no-audit", "--no-fund"], dir, TimeSpan.FromMinutes(5));
                if (exit != 0)
                {
                    return (null, $"npm ci failed ({exit}): {output}");
                }
            }
        }
        finally
        {
            InstallLock.Release();
        }

        return (dir, null);
    }

    /// <summary>Runs <c>node script args…</c> in the js folder; returns the exit code and stdout+stderr.</summary>
    public static Task<(int Exit, string Output)> NodeAsync(string jsDir, string script, params string[] args) =>
        RunAsync("node", [script, .. args], jsDir, Timeouts.Long);

    /// <summary>Runs a checking script (see <c>js/harness.mjs</c>) against <paramref name="server"/> and asserts that every check passed.</summary>
    public static async Task AssertPassesAsync(string jsDir, string script, TestServer server)
    {
        var (exit, output) = await NodeAsync(jsDir, script, BaseUrl(server));
        Assert.True(exit == 0, $"{script} exited {exit}:\n{output}");
        Assert.Contains("ALL PASSED", output);
        Assert.DoesNotContain("FAIL", output);
    }

    /// <summary>The server's base URL as the scripts take it (no trailing slash).</summary>
    public static string BaseUrl(TestServer server) => server.BaseAddress.ToString().TrimEnd('/');

    private static string? FindJsDirectory() =>
        Repository.Root is { } root && File.Exists(Path.Combine(root, "PubSub.Tests", "js", "package.json")) ? Path.Combine(root, "PubSub.Tests", "js") : null;

    private static async Task<(int Exit, string Output)> RunAsync(string file, string[] args, string workingDirectory, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message); // not installed
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                await process.WaitForExitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                return (-2, $"{file} timed out after {timeout}: {await stdout}{await stderr}");
            }

            return (process.ExitCode, await stdout + await stderr);
        }
    }
}

/// <summary>A fact that needs the JavaScript client: skipped, with the reason, where node or its packages are missing.</summary>
public sealed class NodeFactAttribute : FactAttribute
{
    public NodeFactAttribute()
    {
        Skip = NodeRunner.SkipReason;
    }
}
