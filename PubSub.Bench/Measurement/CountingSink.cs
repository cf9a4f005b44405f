namespace PubSub.Bench.Measurement;

/// <summary>Counts events across many connections (the idle-connections scenario), with no per-connection state.</summary>
internal sealed class CountingSink : IEventSink
{
    private long _events;
    private long _errors;
    private long _closed;

    public long Events => Interlocked.Read(ref _events);

    public long Errors => Interlocked.Read(ref _errors);

    public long Closed => Interlocked.Read(ref _closed);

    public void OnEvent(long sendTicks, int publisher, int topic, long counter) => Interlocked.Increment(ref _events);

    public void OnMalformed() => Interlocked.Increment(ref _errors);

    public void OnError(string code, string text) => Interlocked.Increment(ref _errors);

    public void OnClosed(string reason) => Interlocked.Increment(ref _closed);
}
