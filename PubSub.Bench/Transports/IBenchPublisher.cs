namespace PubSub.Bench.Transports;

internal interface IBenchPublisher : IAsyncDisposable
{
    /// <summary>
    /// Publishes one bench payload to topic <paramref name="topic"/>, stamped with <paramref name="sendTicks"/>
    /// (0: now). Completes when written, not when acknowledged; the acknowledgement releases the window. One caller at a time.
    /// </summary>
    ValueTask SendAsync(int topic, long counter, long sendTicks = 0);
}
