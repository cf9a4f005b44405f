using System.Text;
using PubSub.Bench.Measurement;

namespace PubSub.Bench.Transports;

/// <summary>
/// A <c>/hubs/pubsub</c> subscriber that speaks SignalR's JSON hub protocol itself over <see cref="RawWebSocket"/>
/// (WebSockets without negotiate, as the clients' <c>SkipNegotiation</c> does): handshake, one <c>Subscribe</c>
/// invocation per topic, then a span search for the bench payload in each <c>Event</c> record. The .NET SignalR
/// client decodes every argument into objects and, at 100 subscribers, spends more CPU than the server it
/// measures; this one costs what the raw <c>/ws</c> subscriber costs, so hub figures describe the server.
/// </summary>
internal sealed class RawHubSubscriber(RawWebSocket ws, SubscriberSpec spec, IEventSink sink) : RawSubscriber(ws, sink)
{
    private const byte RecordSeparator = 0x1e;
    private bool _handshaken;
    private int _completions;

    protected override async Task SendSubscribeAsync()
    {
        await Socket.SendTextAsync("{\"protocol\":\"json\",\"version\":1}\u001e");
        for (var i = 0; i < spec.Topics.Count; i++)
        {
            await Socket.SendTextAsync(
                $"{{\"type\":1,\"invocationId\":\"{i}\",\"target\":\"Subscribe\",\"arguments\":[{{\"topic\":\"{spec.Topics[i]}\",\"clientId\":\"bench-s{spec.Index}\",\"lastN\":0}}]}}\u001e");
        }
    }

    // One WebSocket message may carry several hub records, each ending with the record separator.
    protected override void OnText(ReadOnlySpan<byte> message)
    {
        while (message.Length > 0)
        {
            var end = message.IndexOf(RecordSeparator);
            var record = end < 0 ? message : message[..end];
            OnRecord(record);
            message = end < 0 ? default : message[(end + 1)..];
        }
    }

    private void OnRecord(ReadOnlySpan<byte> record)
    {
        if (!_handshaken)
        {
            _handshaken = true;
            if (record.IndexOf("\"error\""u8) >= 0)
            {
                Subscribed.TrySetException(new InvalidOperationException($"handshake refused: {FrameText.Clip(record)}"));
            }

            return;
        }

        var head = record[..Math.Min(record.Length, 48)];
        if (head.IndexOf("\"target\":\"Event\""u8) >= 0)
        {
            Sink.OnEventFrame(record);
        }
        else if (head.StartsWith("{\"type\":3"u8))
        {
            if (record.IndexOf("\"error\":"u8) >= 0)
            {
                Subscribed.TrySetException(new InvalidOperationException($"subscribe refused: {FrameText.Clip(record)}"));
            }
            else if (++_completions == spec.Topics.Count)
            {
                Subscribed.TrySetResult();
            }
        }
        else if (head.StartsWith("{\"type\":6"u8))
        {
            // The server's keep-alive: answer it, or the server drops us after its client timeout.
            _ = Socket.SendTextAsync("{\"type\":6}\u001e").AsTask();
        }
        else if (head.IndexOf("\"target\":\"Error\""u8) >= 0)
        {
            Sink.OnError(FrameText.ErrorCode(record), FrameText.Clip(record));
        }
        else if (head.StartsWith("{\"type\":7"u8))
        {
            Sink.OnClosed($"hub close: {Encoding.UTF8.GetString(record)}");
        }
    }
}
