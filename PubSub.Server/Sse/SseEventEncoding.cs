using PubSub.Core;

namespace PubSub.Server.Sse;

/// <summary>The event-stream message frame as a cached per-message encoding: built once, written to every SSE subscriber.</summary>
internal sealed class SseEventEncoding : MessageEncoding<byte[]>
{
    public static readonly SseEventEncoding Instance = new();

    private SseEventEncoding()
    {
    }

    public override byte[] Encode(PublishedMessage message) => SseFrames.Message(message);
}
