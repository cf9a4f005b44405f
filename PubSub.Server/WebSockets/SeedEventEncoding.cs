using PubSub.Core;

namespace PubSub.Server.WebSockets;

/// <summary>
/// The seed dialect's <c>message</c> frame as a cached per-message encoding: encoded once per message, sent to
/// every seed-dialect subscriber. Its own cache slot (3 of the 4 that <see cref="PublishedMessage"/> has: the
/// standard <c>/ws</c> event, the hub message and this).
/// </summary>
internal sealed class SeedEventEncoding : MessageEncoding<byte[]>
{
    public static readonly SeedEventEncoding Instance = new();

    private SeedEventEncoding()
    {
    }

    public override byte[] Encode(PublishedMessage message) => SeedWsDialect.Event(message);
}
