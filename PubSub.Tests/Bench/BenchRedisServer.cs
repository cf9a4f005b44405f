using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Bench;

/// <summary>
/// A redis-server of the test's own on a free loopback port, without persistence, killed on dispose. When
/// redis-server is not installed, <see cref="StartAsync"/> returns null outside CI and fails the test under
/// CI=true, so that CI can never pass by skipping.
/// </summary>
internal sealed class BenchRedisServer : IAsyncDisposable
{
    private readonly Process _process;

    private BenchRedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public string Endpoint => $"127.0.0.1:{Port}";

    public int Pid => _process.Id;

    public static async Task<BenchRedisServer?> StartAsync()
    {
        var executable = Requires.FindProgram("redis-server");
        if (executable is null)
        {
            if (Requires.InCi)
            {
                Assert.Fail("redis-server is not installed, and CI=true: install it (apt-get install redis-server); this test must not be skipped in CI");
            }

            return null;
        }

        var port = FreePort();
        var start = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" })
        {
            start.ArgumentList.Add(arg);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new BenchRedisServer(process, port);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(IPAddress.Loopback, port).WaitAsync(TimeSpan.FromSeconds(1));
                return server;
            }
            catch (Exception ex) when (ex is SocketException or TimeoutException)
            {
                if (deadline.Elapsed > TimeSpan.FromSeconds(10) || process.HasExited)
                {
                    await server.DisposeAsync();
                    throw new InvalidOperationException($"redis-server did not listen on {port} within 10 s", ex);
                }

                await Task.Delay(50);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        finally
        {
            _process.Dispose();
        }
    }
}
