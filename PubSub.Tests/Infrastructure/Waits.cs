namespace PubSub.Tests.Infrastructure;

/// <summary>Waiting for a condition the test cannot be told about (a server-side count), bounded by a deadline.</summary>
internal static class Waits
{
    public static async Task UntilAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeouts.Short);
        while (!condition())
        {
            await Task.Delay(10, cts.Token);
        }
    }

    /// <summary>The same for a condition that takes a round trip to check (a command to a server): polled every 50 ms.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Timeouts.Short);
        while (!await condition().WaitAsync(cts.Token))
        {
            await Task.Delay(50, cts.Token);
        }
    }
}
