namespace PubSub.Tests.Infrastructure;

/// <summary>
/// For <c>await using</c> of a disposable the tests do not define (a client, a connection, a host): the awaited
/// <c>DisposeAsync</c> at the end of the scope has no timeout of its own, so this disposes the inner one within a bound,
/// and a dispose still running after it fails the test with a <see cref="TimeoutException"/> naming the type (the
/// dispose itself is left to finish in the background). Made by <see cref="Timeouts.DisposeWithin"/>.
/// </summary>
internal sealed class BoundedDisposal(IAsyncDisposable inner, TimeSpan timeout) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        var disposing = inner.DisposeAsync().AsTask();
        try
        {
            await disposing.WaitAsync(timeout);
        }
        catch (TimeoutException ex) when (!disposing.IsCompleted)
        {
            throw new TimeoutException($"{inner.GetType().Name}.DisposeAsync did not finish within {timeout}", ex);
        }
    }
}
