namespace PubSub.Bench.Measurement;

/// <summary>Where a subscriber connection's receive loop hands what it reads. Called from that loop only.</summary>
internal interface IEventSink
{
    /// <summary>A delivered event's payload fields (see <see cref="BenchPayload"/>).</summary>
    void OnEvent(long sendTicks, int publisher, int topic, long counter);

    /// <summary>A frame that looked like an event but carried no readable bench payload.</summary>
    void OnMalformed();

    /// <summary>An event as a transport read it (a frame, a record, an SSE block): its bench payload, or malformed.</summary>
    void OnEventFrame(ReadOnlySpan<byte> frame)
    {
        if (BenchPayload.TryFind(frame, out var ticks, out var publisher, out var topic, out var counter))
        {
            OnEvent(ticks, publisher, topic, counter);
        }
        else
        {
            OnMalformed();
        }
    }

    /// <summary>An error the server sent on its own (e.g. <c>SLOW_CONSUMER</c>).</summary>
    void OnError(string code, string text);

    /// <summary>The server closed the connection (status when known) or it broke.</summary>
    void OnClosed(string reason);
}
