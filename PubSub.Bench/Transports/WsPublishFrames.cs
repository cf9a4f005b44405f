using System.Diagnostics;
using System.Text;
using PubSub.Bench.Measurement;

namespace PubSub.Bench.Transports;

/// <summary>
/// The publish request both /ws publishers send, <c>{"type":"publish","topic":…,"client_id":…,"message":{"payload":PAYLOAD}}</c>
/// (no message id: the server assigns one, as PROTOCOL.md allows), written into a caller's buffer; and the
/// reading of its replies into the publisher's window.
/// </summary>
internal sealed class WsPublishFrames(PublisherSpec spec)
{
    // Send times of the requests not answered yet: /ws answers one connection's requests in order.
    private readonly System.Collections.Concurrent.ConcurrentQueue<long> _sent = new();

    private readonly byte[][] _prefixes = spec.Topics
        .Select(t => Encoding.UTF8.GetBytes($"{{\"type\":\"publish\",\"topic\":\"{t}\",\"client_id\":\"bench-p{spec.Index}\",\"message\":{{\"payload\":"))
        .ToArray();

    /// <summary>The longest request, with room to spare.</summary>
    public int MaxLength => _prefixes.Max(p => p.Length) + spec.PayloadBytes + 128;

    /// <summary>Writes the request for <paramref name="topic"/>; returns its length.</summary>
    public int Write(Span<byte> into, int topic, long counter, long sendTicks)
    {
        var prefix = _prefixes[topic];
        prefix.CopyTo(into);
        var n = prefix.Length;
        n += BenchPayload.Write(into[n..], spec.PayloadBytes, sendTicks == 0 ? Stopwatch.GetTimestamp() : sendTicks, spec.Index, topic, counter);
        into[n++] = (byte)'}';
        into[n++] = (byte)'}';
        _sent.Enqueue(Stopwatch.GetTimestamp());
        return n;
    }

    /// <summary>An ack frees a place in the window; an error is recorded.</summary>
    public void OnReply(ReadOnlySpan<byte> frame)
    {
        if (frame.StartsWith("{\"type\":\"ack\""u8))
        {
            if (_sent.TryDequeue(out var sentAt))
            {
                spec.Window.RecordAck(sentAt);
            }

            spec.Window.Ack();
        }
        else if (frame.StartsWith("{\"type\":\"error\""u8))
        {
            _sent.TryDequeue(out _);
            spec.Window.Error(FrameText.Clip(frame));
        }
    }
}
