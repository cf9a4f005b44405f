using Microsoft.Extensions.Logging;

namespace PubSub.Tests.Infrastructure;

/// <summary>Collects a test server's error-level log entries (with their exceptions), so a failing assertion can show them.</summary>
public sealed class ErrorLog : ILoggerProvider
{
    private readonly LogCapture _errors = new(LogLevel.Error);

    public override string ToString()
    {
        var entries = _errors.Entries;
        return entries.Count == 0 ? "(no error logged)" : string.Join("\n---\n", entries.Select(e => $"{e.Category}: {e.Message}\n{e.Exception}"));
    }

    public ILogger CreateLogger(string categoryName) => _errors.CreateLogger(categoryName);

    public void Dispose()
    {
    }
}
