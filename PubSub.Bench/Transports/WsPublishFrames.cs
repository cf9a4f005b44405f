using System.Diagnostics;
using System.Text;
using PubSub.Bench.Measurement;

namespace PubSub.Bench.Transports;

/// <summary>
/// The publish request both /ws publishers send, <c>{"type":"publish","topic":…,"client_id":…,"message":{"payload":PAYLOAD}}</c>
/// (no message id: the server assigns one, as PROTOCOL.md allows), with <c>,"idempotency_key":"RUN-P-T-N"</c> before the
/// last brace when <see cref="PublisherSpec.IdempotencyKeys"/> (unique per run, publisher, topic and counter), written into
/// a caller's buffer; and the reading of its replies into the publisher's window.
/// </summary>
internal sealed class WsPublishFrames(PublisherSpec spec)
{
    // Send times of the requests not answered yet: /ws answers one connection's requests in order.
    private readonly System.Collections.Concurrent.ConcurrentQueue<long> _sent = new();

    private readonly byte[][] _prefixes = spec.Topics
        .Select(t => Encoding.UTF8.GetBytes($"{{\"type\":\"publish\",\"topic\":\"{t}\",\"client_id\":\"bench-p{spec.Index}\",\"message\":{{\"payload\":"))
        .ToArray();

    // The keys' start: this run's, this publisher's; the topic and the counter follow.
    private readonly byte[] _keyPrefix = Encoding.UTF8.GetBytes($",\"idempotency_key\":\"{Guid.NewGuid():N}-{spec.Index}-");

    /// <summary>The longest request, with room to spare.</summary>
    public int MaxLength => _prefixes.Max(p => p.Length) + spec.PayloadBytes + 128 + _keyPrefix.Length + 40;

    /// <summary>Writes the request for <paramref name="topic"/>; returns its length.</summary>
    public int Write(Span<byte> into, int topic, long counter, long sendTicks)
    {
        var prefix = _prefixes[topic];
        prefix.CopyTo(into);
        var n = prefix.Length;
        n += BenchPayload.Write(into[n..], spec.PayloadBytes, sendTicks == 0 ? Stopwatch.GetTimestamp() : sendTicks, spec.Index, topic, counter);
        into[n++] = (byte)'}';
        if (spec.IdempotencyKeys)
        {
            n += WriteKey(into[n..], topic, counter);
        }

        into[n++] = (byte)'}';
        _sent.Enqueue(Stopwatch.GetTimestamp());
        return n;
    }

    private int WriteKey(Span<byte> into, int topic, long counter)
    {
        _keyPrefix.CopyTo(into);
        var n = _keyPrefix.Length;
        System.Buffers.Text.Utf8Formatter.TryFormat(topic, into[n..], out var written);
        n += written;
        into[n++] = (byte)'-';
        System.Buffers.Text.Utf8Formatter.TryFormat(counter, into[n..], out written);
        n += written;
        into[n++] = (byte)'"';
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
