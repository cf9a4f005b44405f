using System.Diagnostics;
using System.Text.RegularExpressions;
using System.Threading.Channels;

namespace PubSub.Tests.Infrastructure;

/// <summary>
/// The built server (<c>PubSub.Server.dll</c> beside the test binaries) as a child process started through
/// <c>bash</c>, so that a test can lower its open-file limit with <c>ulimit -n</c> first. Reads the listening
/// address from its log; disposing kills it by its own PID.
/// </summary>
internal sealed partial class ChildServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
    private readonly List<string> _log = [];

    private ChildServer(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, e) => OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => OnLine(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    public Uri BaseAddress { get; private set; } = null!;

    public bool HasExited => _process.HasExited;

    /// <summary>The server's process id (bash execs it, so it is the process started).</summary>
    public int ProcessId => _process.Id;

    /// <summary>Everything the server wrote so far.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return string.Join('\n', _log);
            }
        }
    }

    /// <summary>Starts the server with <c>ulimit -n <paramref name="openFileLimit"/></c> and waits until it listens.</summary>
    public static async Task<ChildServer> StartAsync(int openFileLimit, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "PubSub.Server.dll");
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add($"ulimit -n {openFileLimit} && exec dotnet \"$0\" \"$@\"");
        start.ArgumentList.Add(dll);
        start.ArgumentList.Add("--urls=http://127.0.0.1:0");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["Logging__Console__FormatterName"] = "simple";
        start.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        var server = new ChildServer(Process.Start(start)!);
        try
        {
            await server.WaitForAddressAsync().Within(Timeouts.Long);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private async Task WaitForAddressAsync()
    {
        await foreach (var line in _lines.Reader.ReadAllAsync())
        {
            if (ListeningLine().Match(line) is { Success: true } match)
            {
                BaseAddress = new Uri(match.Groups[1].Value);
                return;
            }
        }

        throw new InvalidOperationException("the server exited before listening:\n" + Log);
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            _lines.Writer.TryComplete();
            return;
        }

        lock (_log)
        {
            _log.Add(line);
        }

        _lines.Writer.TryWrite(line);
    }

    public ValueTask DisposeAsync() => ChildProcess.KillAndReleaseAsync(_process);

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
