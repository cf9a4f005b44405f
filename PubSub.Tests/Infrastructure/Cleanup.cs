using System.Runtime.ExceptionServices;

namespace PubSub.Tests.Infrastructure;

/// <summary>
/// Cleanup in several steps (stop, then dispose; one node after another): every step runs even when an earlier one
/// failed or timed out, and the failure is thrown after the last, so a hang in one step neither leaks what the later
/// steps release nor passes silently. Each step bounds its own await (<c>.Within</c>, or a disposable of the tests'
/// own infrastructure, which bounds its dispose).
/// </summary>
internal static class Cleanup
{
    /// <summary>Runs <paramref name="steps"/> in order; then throws the failure if one failed, an <see cref="AggregateException"/> if several did.</summary>
    public static async Task RunAsync(params IEnumerable<Func<Task>> steps)
    {
        List<Exception>? failures = null;
        foreach (var step in steps)
        {
            try
            {
                await step();
            }
            catch (Exception ex)
            {
                (failures ??= []).Add(ex);
            }
        }

        if (failures is [var only])
        {
            ExceptionDispatchInfo.Throw(only);
        }

        if (failures is not null)
        {
            throw new AggregateException(failures);
        }
    }

    /// <summary>Disposes each of <paramref name="disposables"/> in order, the same way.</summary>
    public static Task DisposeAllAsync(IEnumerable<IAsyncDisposable> disposables) =>
        RunAsync(disposables.Select(disposable => (Func<Task>)(() => disposable.DisposeAsync().AsTask())));
}
