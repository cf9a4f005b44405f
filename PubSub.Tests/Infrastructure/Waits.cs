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
}
