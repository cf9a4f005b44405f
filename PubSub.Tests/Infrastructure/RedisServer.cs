using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace PubSub.Tests.Infrastructure;

/// <summary>
/// A real <c>redis-server</c> of the test's own on a free loopback port, killed on dispose. Fault tests kill it
/// (SIGKILL), hang it (SIGSTOP/SIGCONT) and start it again on the same port; with <c>persistent</c> it keeps an
/// append-only file fsynced on every write in a temporary directory, so what it acknowledged survives a kill.
/// </summary>
/// <remarks>
/// When redis-server is not installed, tests that need it skip on a developer machine (<see cref="SkipUnlessAvailable"/>)
/// and fail under <c>CI=true</c>, so that CI can never pass by skipping.
/// </remarks>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly string _executable;
    private readonly bool _persistent;
    private readonly string _directory;
    private readonly string[] _extraArgs;
    private Process? _process;

    private RedisServer(string executable, int port, bool persistent, string[] extraArgs)
    {
        _executable = executable;
        Port = port;
        _persistent = persistent;
        _extraArgs = extraArgs;
        _directory = Directory.CreateTempSubdirectory("pubsub-redis-").FullName;
    }

    public int Port { get; }

    /// <summary>A StackExchange.Redis configuration string for this server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    public int Pid => _process?.Id ?? 0;

    /// <summary>The redis-server program, or null when it is not installed.</summary>
    public static string? Executable => Requires.FindProgram("redis-server");

    /// <summary>Skips the calling test on a developer machine without redis-server; under CI=true it is never skipped.</summary>
    public static void SkipUnlessAvailable() =>
        Skip.If(Executable is null && !Requires.InCi, "redis-server not found on PATH (apt-get install redis-server); under CI=true this test fails instead");

    /// <summary>Starts a redis-server on a free port; <paramref name="extraArgs"/> are added to its command line.</summary>
    public static async Task<RedisServer> StartAsync(bool persistent = false, params string[] extraArgs)
    {
        var executable = Executable ?? throw new InvalidOperationException(
            "redis-server is required but not installed: apt-get install redis-server (under CI=true Redis tests never skip)");
        var server = new RedisServer(executable, ServerProcess.FreePort(), persistent, extraArgs);
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>Kills the server at once (SIGKILL): no shutdown, no final save.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync().Within();
        }
    }

    /// <summary>Starts the server again on the same port (and, when persistent, the same append-only file).</summary>
    public Task RestartAsync() => StartProcessAsync();

    /// <summary>Freezes the server (SIGSTOP): connections stay open, nothing is answered.</summary>
    public void Pause() => Signal("STOP");

    /// <summary>Lets a frozen server go on (SIGCONT).</summary>
    public void Resume() => Signal("CONT");

    /// <summary>Runs redis-cli against this server and returns what it printed.</summary>
    public async Task<string> CliAsync(params string[] args)
    {
        var cli = Requires.FindProgram("redis-cli") ?? throw new InvalidOperationException("redis-cli not found (apt-get install redis-tools)");
        var start = new ProcessStartInfo(cli) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[] { "-p", Port.ToString(CultureInfo.InvariantCulture) }.Concat(args))
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync().Within();
        await process.WaitForExitAsync().Within();
        return output.Trim();
    }

    /// <summary>
    /// Waits until this replica's link to its primary is up: its first sync is over, so a <c>WAIT</c> on the primary
    /// counts it. That sync starts only after the primary's <c>repl-diskless-sync-delay</c> (5 s by default), longer than
    /// a test takes to get to its first write.
    /// </summary>
    public Task WaitForReplicaLinkAsync(TimeSpan? timeout = null) =>
        Waits.UntilAsync(async () => (await CliAsync("INFO", "replication")).Contains("master_link_status:up", StringComparison.Ordinal), timeout);

    private void Signal(string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, Pid.ToString(CultureInfo.InvariantCulture) }, UseShellExecute = false })!;
        kill.WaitForExit(5000);
    }

    private async Task StartProcessAsync()
    {
        var start = new ProcessStartInfo(_executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _directory,
        };
        string[] args = _persistent
            ? ["--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes", "--appendfsync", "always", "--dir", _directory]
            : ["--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", _directory];
        foreach (var arg in args.Concat(_extraArgs))
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process?.Dispose();
        _process = process;

        // Ready when it answers PING (it listens before it has loaded the append-only file).
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, Port).WaitAsync(TimeSpan.FromSeconds(1));
                var stream = probe.GetStream();
                await stream.WriteAsync("PING\r\n"u8.ToArray()).AsTask().WaitAsync(TimeSpan.FromSeconds(1));
                var reply = new byte[64];
                var n = await stream.ReadAsync(reply).AsTask().WaitAsync(TimeSpan.FromSeconds(1));
                if (n > 0 && reply[0] == (byte)'+')
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is SocketException or TimeoutException or IOException)
            {
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(15) || process.HasExited)
            {
                throw new InvalidOperationException($"redis-server did not answer PING on port {Port} within 15 s");
            }

            await Task.Delay(20); // polling a starting process: the port has no other signal
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_process is { HasExited: false } process)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        finally
        {
            _process?.Dispose();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
