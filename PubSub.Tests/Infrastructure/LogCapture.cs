using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace PubSub.Tests.Infrastructure;

/// <summary>
/// Everything a test server logs at <paramref name="minimum"/> (default Information) or above: category, level, event id,
/// message, exception. For tests that assert what is logged and how often (a condition logged once when it begins and
/// once when it ends); the server's own filters (e.g. <c>Logging:LogLevel:PubSub</c>) apply first.
/// </summary>
public sealed class LogCapture(LogLevel minimum = LogLevel.Information) : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> _entries = new();
    private readonly LogLevel _minimum = minimum;

    public IReadOnlyList<Entry> Entries => _entries.ToArray();

    /// <summary>How many entries with this event id were logged.</summary>
    public int Count(int eventId) => _entries.Count(e => e.EventId == eventId);

    public override string ToString() => string.Join("\n", _entries.Select(e => $"{e.Level} {e.Category}[{e.EventId}]: {e.Message}{(e.Exception is null ? "" : "\n" + e.Exception)}"));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    public sealed record Entry(string Category, LogLevel Level, int EventId, string Message, Exception? Exception, DateTime LoggedAt);

    private sealed class Logger(LogCapture capture, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= capture._minimum;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                capture._entries.Enqueue(new Entry(category, logLevel, eventId.Id, formatter(state, exception), exception, DateTime.UtcNow));
            }
        }
    }
}
