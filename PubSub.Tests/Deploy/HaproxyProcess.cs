using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Deploy;

/// <summary>
/// Debian's <c>haproxy</c> running the repository's own <c>deploy/haproxy/haproxy.cfg</c>, unchanged, in the
/// foreground (<c>-db</c>) on free loopback ports: the addresses the file reads from the environment
/// (<c>PUBSUB_PROXY_BIND</c>, <c>PUBSUB_PROXY_STATS</c>, <c>PUBSUB_NODE1</c>, <c>PUBSUB_NODE2</c>) are set here the
/// way docker-compose.yml sets them there. It runs in a temporary directory and writes nothing; dispose kills it.
/// </summary>
internal sealed class HaproxyProcess : IAsyncDisposable
{
    // Proxies not disposed yet. A test that times out while one is starting ends the run before its cleanup runs; so
    // that no haproxy outlives the test host, whatever is left is killed when the host process exits.
    private static readonly ConcurrentDictionary<int, (Process Process, string Directory)> Running = new();

    static HaproxyProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var (process, directory) in Running.Values)
        {
            try
            {
                process.Kill();
                process.WaitForExit(2000);
                Directory.Delete(directory, recursive: true);
            }
            catch (Exception ex) when (ex is InvalidOperationException or IOException)
            {
            }
        }
    };

    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly string _directory;

    private HaproxyProcess(Process process, string directory, int port, int statsPort)
    {
        _process = process;
        _directory = directory;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
        StatsAddress = new Uri($"http://127.0.0.1:{statsPort}");
    }

    /// <summary>Where clients connect.</summary>
    public Uri BaseAddress { get; }

    /// <summary>The stats page (<c>/;csv</c> for the CSV).</summary>
    public Uri StatsAddress { get; }

    /// <summary>What HAProxy printed (its alerts, warnings and one line per request), for failure messages.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>The haproxy program (Debian installs it in /usr/sbin), or null when it is not installed.</summary>
    public static string? Executable => File.Exists("/usr/sbin/haproxy") ? "/usr/sbin/haproxy" : Requires.FindProgram("haproxy");

    public static string ConfigPath => Path.Combine(Repository.RequiredRoot, "deploy", "haproxy", "haproxy.cfg");

    /// <summary>Skips the calling test on a developer machine without haproxy; under CI=true it is never skipped.</summary>
    public static void SkipUnlessAvailable() =>
        Skip.If(Executable is null && !Requires.InCi, "haproxy not found (apt-get install haproxy); under CI=true this test fails instead");

    /// <summary>Starts HAProxy in front of <paramref name="node1"/> and <paramref name="node2"/> and waits until it serves.</summary>
    public static async Task<HaproxyProcess> StartAsync(Uri node1, Uri node2)
    {
        var executable = Executable ?? throw new InvalidOperationException(
            "haproxy is required but not installed: apt-get install haproxy (under CI=true proxy tests never skip)");
        var (port, statsPort) = (ServerProcess.FreePort(), ServerProcess.FreePort());
        var directory = Directory.CreateTempSubdirectory("pubsub-haproxy-").FullName;
        var start = new ProcessStartInfo(executable)
        {
            ArgumentList = { "-f", ConfigPath, "-db" },
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment =
            {
                ["PUBSUB_PROXY_BIND"] = $"127.0.0.1:{port}",
                ["PUBSUB_PROXY_STATS"] = $"127.0.0.1:{statsPort}",
                ["PUBSUB_NODE1"] = node1.Authority,
                ["PUBSUB_NODE2"] = node2.Authority,
            },
        };
        var process = Process.Start(start) ?? throw new InvalidOperationException("haproxy did not start");
        Running[process.Id] = (process, directory);
        var proxy = new HaproxyProcess(process, directory, port, statsPort);
        process.OutputDataReceived += (_, e) => proxy.Append(e.Data);
        process.ErrorDataReceived += (_, e) => proxy.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await proxy.WaitUntilServingAsync();
            return proxy;
        }
        catch
        {
            await proxy.DisposeAsync();
            throw;
        }
    }

    /// <summary>The backend's servers as the stats CSV reports them: name → (status, last check), e.g. ("UP", "L7OK").</summary>
    public async Task<Dictionary<string, (string Status, string Check)>> ServersAsync()
    {
        using var http = new HttpClient { Timeout = Timeouts.Short };
        var csv = await http.GetStringAsync(new Uri(StatsAddress, "/;csv")).Within();
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = lines[0].TrimStart('#', ' ').Split(',');
        int Column(string name) => Array.IndexOf(header, name) is var i and >= 0 ? i : throw new InvalidOperationException($"no column {name} in {lines[0]}");
        var (px, sv, status, check) = (Column("pxname"), Column("svname"), Column("status"), Column("check_status"));
        return lines.Skip(1)
            .Select(line => line.Split(','))
            .Where(f => f[px] == "nodes" && f[sv] is not ("FRONTEND" or "BACKEND"))
            .ToDictionary(f => f[sv], f => (f[status], f[check]));
    }

    /// <summary>Polls the stats page until <paramref name="condition"/> holds for the servers, or fails with what it saw and the log.</summary>
    public async Task WaitForServersAsync(Func<Dictionary<string, (string Status, string Check)>, bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Timeouts.Long;
        var clock = Stopwatch.StartNew();
        var last = new Dictionary<string, (string Status, string Check)>();
        while (!condition(last = await ServersAsync()))
        {
            if (clock.Elapsed > limit)
            {
                throw new Xunit.Sdk.XunitException(
                    $"HAProxy did not report {what} within {limit}; last: {string.Join(", ", last.Select(s => $"{s.Key} {s.Value}"))}\n{Log}");
            }

            await Task.Delay(100); // the stats page has no push: poll, bounded by the deadline
        }
    }

    private async Task WaitUntilServingAsync()
    {
        var clock = Stopwatch.StartNew();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        while (true)
        {
            if (_process.HasExited)
            {
                await _process.WaitForExitAsync().Within(); // all output read
                throw new InvalidOperationException($"haproxy exited with {_process.ExitCode}:\n{Log}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(StatsAddress, "/;csv")).Within();
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or TimeoutException)
            {
            }

            if (clock.Elapsed > Timeouts.Short)
            {
                throw new InvalidOperationException($"haproxy did not serve its stats page within {Timeouts.Short}:\n{Log}");
            }

            await Task.Delay(50); // a starting process: the port has no other signal
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().Within();
            }
        }
        finally
        {
            Running.TryRemove(_process.Id, out _);
            _process.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }
}
