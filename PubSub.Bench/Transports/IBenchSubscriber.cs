namespace PubSub.Bench.Transports;

internal interface IBenchSubscriber : IAsyncDisposable
{
    /// <summary>Stops reading (the socket backs up, as a stalled client's would).</summary>
    void Pause();

    /// <summary>Reads again.</summary>
    void Resume();
}
