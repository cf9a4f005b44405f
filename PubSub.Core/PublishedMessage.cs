using System.Text.Json;

namespace PubSub.Core;

/// <summary>
/// A message as stored in history and handed to every subscriber. Immutable and shared: one instance per
/// publication, whatever the number of subscribers. Each wire format encodes it once and caches the bytes
/// here (<see cref="GetEncoded"/>), so fan-out never re-serializes.
/// </summary>
public sealed class PublishedMessage
{
    private const int EncodingSlots = 4;
    private object?[]? _encodings;

    public PublishedMessage(string topic, long seq, string id, ReadOnlyMemory<byte> payload, string? publisherId, DateTimeOffset timestamp, string epoch = "")
    {
        Topic = topic;
        Epoch = epoch;
        Seq = seq;
        Id = id;
        Payload = payload;
        PublisherId = publisherId;
        Timestamp = timestamp;
    }

    /// <summary>The topic the message was published to.</summary>
    public string Topic { get; }

    /// <summary>The life of the topic this message belongs to (<see cref="TopicInfo.Epoch"/>): with <see cref="Seq"/>, its position.</summary>
    public string Epoch { get; }

    /// <summary>Position in the topic: 1, 2, 3, … strictly increasing, assigned by the engine.</summary>
    public long Seq { get; }

    /// <summary>The message id (a UUID unless the server allows other ids).</summary>
    public string Id { get; }

    /// <summary>The payload as UTF-8 JSON text, exactly as validated on the way in.</summary>
    public ReadOnlyMemory<byte> Payload { get; }

    /// <summary>The publisher's <c>client_id</c>, when it gave one.</summary>
    public string? PublisherId { get; }

    /// <summary>When the broker accepted the message (UTC).</summary>
    public DateTimeOffset Timestamp { get; }

    /// <summary>The payload parsed as a <see cref="JsonElement"/> (allocates; for REST and tools, not the hot path).</summary>
    public JsonElement PayloadElement()
    {
        using var doc = JsonDocument.Parse(Payload);
        return doc.RootElement.Clone();
    }

    /// <summary>
    /// The message encoded by <paramref name="encoding"/>, computed on first use and cached. Concurrent first
    /// calls may both encode; one result wins and every caller gets that one.
    /// </summary>
    public T GetEncoded<T>(MessageEncoding<T> encoding)
        where T : class
    {
        var slots = _encodings ?? Interlocked.CompareExchange(ref _encodings, new object?[EncodingSlots], null) ?? _encodings;
        if (Volatile.Read(ref slots[encoding.Slot]) is T cached)
        {
            return cached;
        }

        var encoded = encoding.Encode(this);
        return (T)(Interlocked.CompareExchange(ref slots[encoding.Slot], encoded, null) ?? encoded);
    }
}

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

/// <summary>
/// Hands out the cache slots of every <see cref="MessageEncoding{T}"/>, whatever its <c>T</c>. Not a static field of
/// the generic class: each closed generic type would have its own counter, and encodings of different types
/// (the /ws bytes, a SignalR message) would share slot 0 and read each other's cached values.
/// </summary>
internal static class MessageEncodingSlots
{
    private static int s_next = -1;

    public static int Next() => Interlocked.Increment(ref s_next);
}
