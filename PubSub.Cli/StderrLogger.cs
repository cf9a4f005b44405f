using Microsoft.Extensions.Logging;

namespace PubSub.Cli;

/// <summary>The client's log lines (connects, reconnects, refusals) as notices on stderr, from <paramref name="minimum"/> up.</summary>
internal sealed class StderrLogger<T>(LogLevel minimum) : ILogger<T>
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        if (IsEnabled(logLevel))
        {
            Output.Notice(formatter(state, exception));
        }
    }
}
