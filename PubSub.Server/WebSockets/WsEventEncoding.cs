using PubSub.Core;

namespace PubSub.Server.WebSockets;

/// <summary>The <c>/ws</c> event frame as a cached per-message encoding: encoded once, sent to every subscriber.</summary>
internal sealed class WsEventEncoding : MessageEncoding<byte[]>
{
    public static readonly WsEventEncoding Instance = new();

    private WsEventEncoding()
    {
    }

    public override byte[] Encode(PublishedMessage message) => WsFrames.Event(message);
}
