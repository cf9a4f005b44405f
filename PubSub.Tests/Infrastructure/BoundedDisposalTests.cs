namespace PubSub.Tests.Infrastructure;

/// <summary>
/// The bounds on disposal: a dispose that never finishes fails the test with a <see cref="TimeoutException"/> once its
/// bound has passed (it would otherwise stall the run), and a cleanup in steps runs every step whatever one of them did.
/// </summary>
public sealed class BoundedDisposalTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task A_dispose_that_never_finishes_fails_with_a_timeout_naming_the_type()
    {
        var hanging = new HangingDisposable();
        var failure = await Assert.ThrowsAsync<TimeoutException>(async () =>
        {
            await using var hangingDisposal = hanging.DisposeWithin(Bound);
        }).Within();

        Assert.True(hanging.Disposing);
        Assert.Contains($"{nameof(HangingDisposable)}.DisposeAsync", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_dispose_that_finishes_or_fails_within_the_bound_is_passed_through()
    {
        var done = new CountingDisposable();
        await using (done.DisposeWithin(Bound))
        {
        }

        Assert.Equal(1, done.Disposed);

        var own = new TimeoutException("the inner dispose's own");
        var failure = await Assert.ThrowsAsync<TimeoutException>(async () =>
        {
            await using var failingDisposal = new FailingDisposable(own).DisposeWithin(Timeouts.Short);
        }).Within();
        Assert.Same(own, failure);
    }

    [Fact]
    public async Task A_step_that_times_out_still_lets_the_later_steps_run_and_then_fails_the_cleanup()
    {
        var hanging = new HangingDisposable();
        var later = new CountingDisposable();
        await Assert.ThrowsAsync<TimeoutException>(() => Cleanup.RunAsync(
            () => hanging.DisposeAsync().Within(Bound),
            () => later.DisposeAsync().Within())).Within();

        Assert.True(hanging.Disposing);
        Assert.Equal(1, later.Disposed);

        var both = await Assert.ThrowsAsync<AggregateException>(() => Cleanup.DisposeAllAsync(
            [new FailingDisposable(new InvalidOperationException("one")), later, new FailingDisposable(new InvalidOperationException("two"))])).Within();
        Assert.Equal(["one", "two"], both.InnerExceptions.Select(e => e.Message));
        Assert.Equal(2, later.Disposed);
    }

    /// <summary>A dispose that starts and never finishes, as a dispose waiting on a loop that never ends.</summary>
    private sealed class HangingDisposable : IAsyncDisposable
    {
        private readonly TaskCompletionSource _never = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Disposing { get; private set; }

        public ValueTask DisposeAsync()
        {
            Disposing = true;
            return new ValueTask(_never.Task);
        }
    }

    private sealed class CountingDisposable : IAsyncDisposable
    {
        public int Disposed { get; private set; }

        public ValueTask DisposeAsync()
        {
            Disposed++;
            return ValueTask.CompletedTask;
        }
    }

    private sealed class FailingDisposable(Exception failure) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await Task.Yield();
            throw failure;
        }
    }
}
