using PubSub.Bench.Measurement;

namespace PubSub.Bench.Transports;

/// <summary>A /ws subscriber on <see cref="RawWebSocket"/>: subscribes, counts the acks, then finds the bench payload in each event by span search.</summary>
internal sealed class RawWsSubscriber(RawWebSocket ws, SubscriberSpec spec, IEventSink sink) : RawSubscriber(ws, sink)
{
    private int _acks;

    protected override async Task SendSubscribeAsync()
    {
        foreach (var topic in spec.Topics)
        {
            await Socket.SendTextAsync($"{{\"type\":\"subscribe\",\"topic\":\"{topic}\",\"client_id\":\"bench-s{spec.Index}\"}}");
        }
    }

    protected override void OnText(ReadOnlySpan<byte> frame)
    {
        if (frame.StartsWith("{\"type\":\"event\""u8))
        {
            Sink.OnEventFrame(frame);
        }
        else if (frame.StartsWith("{\"type\":\"ack\""u8))
        {
            if (++_acks == spec.Topics.Count)
            {
                Subscribed.TrySetResult();
            }
        }
        else if (frame.StartsWith("{\"type\":\"error\""u8))
        {
            var text = FrameText.Clip(frame);
            if (!Subscribed.Task.IsCompleted)
            {
                Subscribed.TrySetException(new InvalidOperationException($"subscribe refused: {text}"));
            }

            Sink.OnError(FrameText.ErrorCode(frame), text);
        }
    }
}
