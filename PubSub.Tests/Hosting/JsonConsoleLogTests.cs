using System.Text.Json;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Hosting;

/// <summary><c>Logging:Console:FormatterName=json</c> (the framework's JSON console formatter) makes every log line one JSON object.</summary>
public sealed class JsonConsoleLogTests
{
    [Fact]
    public async Task With_the_json_formatter_every_stdout_line_is_a_JSON_log_entry()
    {
        var port = ServerProcess.FreePort();
        await using var server = ServerProcess.StartServer(["--urls", $"http://127.0.0.1:{port}"], new Dictionary<string, string>
        {
            ["Logging__Console__FormatterName"] = "json",
        });
        await server.WaitUntilHealthyAsync(new Uri($"http://127.0.0.1:{port}"));
        await server.TerminateAsync();
        Assert.Equal(0, await server.WaitForExitAsync());

        var lines = server.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.NotEmpty(lines);
        var entries = lines.Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
        Assert.All(entries, e =>
        {
            Assert.True(e.TryGetProperty("LogLevel", out _), e.ToString());
            Assert.True(e.TryGetProperty("Category", out _), e.ToString());
            Assert.True(e.TryGetProperty("Message", out _), e.ToString());
        });
        Assert.Contains(entries, e => e.GetProperty("Message").GetString()!.Contains($"127.0.0.1:{port}", StringComparison.Ordinal));
    }
}
