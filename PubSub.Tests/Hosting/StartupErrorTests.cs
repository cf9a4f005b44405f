using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Hosting;

/// <summary>
/// A mistake in configuration or binding, on the real built server (<c>dotnet PubSub.Server.dll</c>): the process ends
/// with exit code 1 and one line on stderr naming the option or address, what is wrong and how to fix it; no stack trace.
/// </summary>
public sealed class StartupErrorTests
{
    [Fact]
    public async Task A_busy_port_names_the_address_and_how_to_listen_elsewhere()
    {
        using var holder = Loopback.Listen(out var port);

        var line = await FailingStartAsync(["--urls", $"http://127.0.0.1:{port}"]);

        Assert.Contains($"http://127.0.0.1:{port}", line, StringComparison.Ordinal);
        Assert.Contains("already in use", line, StringComparison.Ordinal);
        Assert.Contains("--urls", line, StringComparison.Ordinal);
    }

    [Theory]
    // A value that is not one of the enum's names.
    [InlineData("PubSub__Queue__OverflowPolicy", "Nope", new[] { "PubSub:Queue:OverflowPolicy", "'Nope'", "one of DropOldest, Disconnect", "PubSub__Queue__OverflowPolicy" })]
    // A value the options validator refuses.
    [InlineData("PubSub__Queue__Capacity", "0", new[] { "PubSub:Queue:Capacity must be between 1 and 1000000 (was 0)" })]
    [InlineData("PubSub__Metrics__Port", "70000", new[] { "PubSub:Metrics:Port must be a TCP port from 1 to 65535" })]
    // Malformed numbers and time spans.
    [InlineData("PubSub__History__Capacity", "lots", new[] { "PubSub:History:Capacity", "'lots'", "a whole number", "PubSub__History__Capacity" })]
    [InlineData("PubSub__Shutdown__FlushTimeout", "5s", new[] { "PubSub:Shutdown:FlushTimeout", "'5s'", "a time span", "00:00:30" })]
    [InlineData("PubSub__Kestrel__InlineScheduling", "maybe", new[] { "PubSub:Kestrel:InlineScheduling", "true or false" })]
    public async Task A_bad_setting_names_the_option_what_is_wrong_and_how_to_fix_it(string variable, string value, string[] expected)
    {
        var line = await FailingStartAsync(["--urls", $"http://127.0.0.1:{ServerProcess.FreePort()}"], new Dictionary<string, string> { [variable] = value });

        foreach (var part in expected)
        {
            Assert.Contains(part, line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_malformed_address_says_what_an_address_looks_like()
    {
        var line = await FailingStartAsync(["--urls", "localhost-8000"]);

        Assert.Contains("'localhost-8000'", line, StringComparison.Ordinal);
        Assert.Contains("scheme://host:port", line, StringComparison.Ordinal);
    }

    /// <summary>Runs the server, expects exit code 1 and exactly one line on stderr (returned), and no stack trace anywhere.</summary>
    internal static async Task<string> FailingStartAsync(string[] args, IDictionary<string, string>? environment = null)
    {
        await using var server = ServerProcess.StartServer(args, environment);
        var exitCode = await server.WaitForExitAsync();
        var stderr = server.Stderr.Trim();
        Assert.True(exitCode == 1, $"exit code {exitCode}\nstderr: {stderr}\nstdout: {server.Stdout}");
        Assert.False(stderr.Contains('\n', StringComparison.Ordinal), $"more than one line on stderr:\n{stderr}");
        Assert.StartsWith("PubSub: ", stderr, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"(?m)^\s+at \S", server.Stdout + "\n" + stderr); // a stack frame's line
        Assert.DoesNotContain("Exception", server.Stdout + stderr, StringComparison.Ordinal);
        return stderr;
    }
}
