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
