using System.Diagnostics;

namespace PubSub.Tests.Infrastructure;

/// <summary>
/// The real server as a child process (<c>dotnet PubSub.Server.dll</c> from the test's build output, or
/// <c>dotnet run</c>), with its stdout and stderr collected line by line. Dispose kills it if it still runs.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<int, byte> HandedOut = new(); // FreePort's
    private readonly Process _process;
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly TaskCompletionSource _stdoutClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _stderrClosed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ServerProcess(ProcessStartInfo start)
    {
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Collect(e.Data, _stdout, _stdoutClosed);
        _process.ErrorDataReceived += (_, e) => Collect(e.Data, _stderr, _stderrClosed);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return string.Join('\n', _stdout);
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return string.Join('\n', _stderr);
            }
        }
    }

    /// <summary>Starts <c>dotnet PubSub.Server.dll</c> (the build the tests reference) with these arguments and variables.</summary>
    public static ServerProcess StartServer(IEnumerable<string> args, IDictionary<string, string>? environment = null) =>
        Start([Path.Combine(AppContext.BaseDirectory, "PubSub.Server.dll"), .. args], AppContext.BaseDirectory, environment);

    /// <summary>Starts <c>dotnet</c> with <paramref name="args"/> in <paramref name="workingDirectory"/>.</summary>
    public static ServerProcess Start(IEnumerable<string> args, string workingDirectory, IDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet", args)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = workingDirectory,
        };

        // Only what the test says decides where the server listens.
        foreach (var inherited in new[] { "ASPNETCORE_URLS", "DOTNET_URLS", "URLS", "Urls", "ASPNETCORE_ENVIRONMENT" })
        {
            start.Environment.Remove(inherited);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        return new ServerProcess(start);
    }

    /// <summary>
    /// A loopback port that was free a moment ago, and that this test run has not handed out before: a server a test
    /// kills keeps its port (it restarts there, and a node that reconnects meanwhile is refused), so a server another
    /// test starts alongside never lands on it, where a node would find another test's Redis.
    /// </summary>
    public static int FreePort()
    {
        while (true)
        {
            using var probe = Loopback.Listen(out var port);
            if (HandedOut.TryAdd(port, 0))
            {
                return port;
            }
        }
    }

    /// <summary>Waits for the process to end and its output to close; returns the exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan? timeout = null)
    {
        await _process.WaitForExitAsync().Within(timeout ?? Timeouts.Long);
        await Task.WhenAll(_stdoutClosed.Task, _stderrClosed.Task).Within();
        return _process.ExitCode;
    }

    /// <summary>Polls <c>GET /health</c> (or <paramref name="path"/>) until it answers 200; fails if the process ends first or time runs out.</summary>
    public async Task WaitUntilHealthyAsync(Uri baseAddress, string path = "/health")
    {
        using var http = new HttpClient { BaseAddress = baseAddress, Timeout = Timeouts.Short };
        var deadline = DateTime.UtcNow + Timeouts.Long;
        while (true)
        {
            Assert.False(_process.HasExited, $"the server exited with {(_process.HasExited ? _process.ExitCode : 0)}: {Stderr}\n{Stdout}");
            try
            {
                using var health = await http.GetAsync(path).Within();
                if (health.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
                // Not listening yet: the process is still starting (checked above), try again shortly.
            }

            Assert.True(DateTime.UtcNow < deadline, $"{baseAddress}{path.TrimStart('/')} did not answer within {Timeouts.Long}: {Stderr}\n{Stdout}");
            await Task.Delay(100);
        }
    }

    /// <summary>Sends SIGTERM (graceful shutdown).</summary>
    public async Task TerminateAsync()
    {
        Assert.Equal(0, await ChildProcess.TerminateAsync(_process));
    }

    public ValueTask DisposeAsync() => ChildProcess.KillAndReleaseAsync(_process);

    private static void Collect(string? line, List<string> lines, TaskCompletionSource closed)
    {
        if (line is null)
        {
            closed.TrySetResult();
            return;
        }

        lock (lines)
        {
            lines.Add(line);
        }
    }
}
