namespace PubSub.Core;

/// <summary>
/// One wire format's encoding of a <see cref="PublishedMessage"/> (the <c>/ws</c> event frame, a SignalR hub
/// protocol, …). Create one static instance per format: each takes one of a few cache slots.
/// </summary>
public abstract class MessageEncoding<T>
    where T : class
{
    protected MessageEncoding()
    {
        Slot = MessageEncodingSlots.Next();
        if (Slot >= 4)
        {
            throw new InvalidOperationException("At most 4 message encodings can exist; create each one once, as a static.");
        }
    }

    internal int Slot { get; }

    /// <summary>Encodes a message; called at most a few times per message.</summary>
    public abstract T Encode(PublishedMessage message);
}
