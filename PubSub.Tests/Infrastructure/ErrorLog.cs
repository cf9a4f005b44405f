using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace PubSub.Tests.Infrastructure;

/// <summary>Collects a test server's error-level log entries (with their exceptions), so a failing assertion can show them.</summary>
public sealed class ErrorLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();

    public override string ToString() => _entries.IsEmpty ? "(no error logged)" : string.Join("\n---\n", _entries);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ErrorLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log._entries.Enqueue($"{category}: {formatter(state, exception)}\n{exception}");
            }
        }
    }
}
