namespace PubSub.Tests.Infrastructure;

/// <summary>Every await in a test is bounded by one of these, so a hang fails fast with a message.</summary>
internal static class Timeouts
{
    /// <summary>For one frame, one reply, one HTTP call.</summary>
    public static readonly TimeSpan Short = TimeSpan.FromSeconds(10);

    /// <summary>For a whole concurrent scenario.</summary>
    public static readonly TimeSpan Long = TimeSpan.FromSeconds(60);

    /// <summary>How long to listen to be sure that something does NOT arrive.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(300);

    public static Task<T> Within<T>(this Task<T> task, TimeSpan? timeout = null) => task.WaitAsync(timeout ?? Short);

    public static Task Within(this Task task, TimeSpan? timeout = null) => task.WaitAsync(timeout ?? Short);

    public static Task<T> Within<T>(this ValueTask<T> task, TimeSpan? timeout = null) => task.AsTask().WaitAsync(timeout ?? Short);

    public static Task Within(this ValueTask task, TimeSpan? timeout = null) => task.AsTask().WaitAsync(timeout ?? Short);

    /// <summary>
    /// For a disposable the tests do not define, right after it is made:
    /// <c>await using var clientDisposal = client.DisposeWithin();</c> disposes it at the end of the scope within
    /// <paramref name="timeout"/> (<see cref="Short"/> by default). See <see cref="BoundedDisposal"/>.
    /// </summary>
    public static BoundedDisposal DisposeWithin(this IAsyncDisposable disposable, TimeSpan? timeout = null) => new(disposable, timeout ?? Short);
}
