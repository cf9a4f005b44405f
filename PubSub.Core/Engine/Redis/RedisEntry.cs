using System.Buffers;
using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace PubSub.Core.Engine.Redis;

/// <summary>
/// The wire form of a message in Redis. A history entry is <c>{seq}\n{header}\n{payload}</c>, where the header
/// is one line of JSON <c>{"id":"…","p":"…"|null,"ts":unix ms}</c> (JSON escapes every control character, so it
/// holds no newline) and the payload is the message's JSON text as published. The topic channel carries
/// <c>m{epoch}\n</c> + entry for a publish and <c>d{epoch}</c> for a deletion. The publisher builds header and
/// payload; the script puts the seq in front, so the message is encoded once, never re-serialized per node.
/// </summary>
internal static class RedisEntry
{
    /// <summary>ARGV[1] of the publish script: <c>{header}\n{payload}</c>.</summary>
    public static byte[] EncodeBody(string id, string? publisherId, DateTimeOffset timestamp, ReadOnlySpan<byte> payload)
    {
        var buffer = new ArrayBufferWriter<byte>(payload.Length + id.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id"u8, id);
            if (publisherId is null)
            {
                writer.WriteNull("p"u8);
            }
            else
            {
                writer.WriteString("p"u8, publisherId);
            }

            writer.WriteNumber("ts"u8, timestamp.ToUnixTimeMilliseconds());
            writer.WriteEndObject();
        }

        var body = new byte[buffer.WrittenCount + 1 + payload.Length];
        buffer.WrittenSpan.CopyTo(body);
        body[buffer.WrittenCount] = (byte)'\n';
        payload.CopyTo(body.AsSpan(buffer.WrittenCount + 1));
        return body;
    }

    /// <summary>Reads a history entry (<c>{seq}\n{header}\n{payload}</c>) of <paramref name="topic"/>'s life <paramref name="epoch"/>.</summary>
    public static PublishedMessage DecodeEntry(string topic, string epoch, ReadOnlyMemory<byte> entry)
    {
        var span = entry.Span;
        var first = span.IndexOf((byte)'\n');
        if (first <= 0 || !Utf8Parser.TryParse(span[..first], out long seq, out var consumed) || consumed != first)
        {
            throw new FormatException($"history entry of topic '{topic}' has no seq");
        }

        var rest = span[(first + 1)..];
        var second = rest.IndexOf((byte)'\n');
        if (second < 0)
        {
            throw new FormatException($"history entry {seq} of topic '{topic}' has no header");
        }

        var reader = new Utf8JsonReader(rest[..second]);
        string? id = null, publisher = null;
        long ts = 0;
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.ValueSpan;
            reader.Read();
            if (name.SequenceEqual("id"u8))
            {
                id = reader.GetString();
            }
            else if (name.SequenceEqual("p"u8))
            {
                publisher = reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
            }
            else if (name.SequenceEqual("ts"u8))
            {
                ts = reader.GetInt64();
            }
            else
            {
                reader.Skip();
            }
        }

        var payload = entry[(first + 1 + second + 1)..];
        return new PublishedMessage(topic, seq, id ?? "", payload, publisher, DateTimeOffset.FromUnixTimeMilliseconds(ts), epoch);
    }

    /// <summary>
    /// What a topic channel carried: a message (<c>m{epoch}\n{entry}</c>), a deletion (<c>d{epoch}</c>) or a reset
    /// (<c>r{old epoch}\n{new epoch}\n{seq}</c>).
    /// </summary>
    public static ChannelNotice DecodeChannel(string topic, ReadOnlyMemory<byte> value)
    {
        var span = value.Span;
        if (span.Length > 1 && span[0] == (byte)'d')
        {
            return new ChannelNotice(null, Encoding.UTF8.GetString(span[1..]), null);
        }

        if (span.Length > 1 && span[0] == (byte)'r')
        {
            var parts = Encoding.UTF8.GetString(span[1..]).Split('\n');
            if (parts.Length != 3 || !long.TryParse(parts[2], out var seq))
            {
                throw new FormatException($"malformed reset notice on the channel of topic '{topic}'");
            }

            return new ChannelNotice(null, null, new EpochReset(topic, parts[0], parts[1], seq));
        }

        var newline = span.IndexOf((byte)'\n');
        if (span.Length < 2 || span[0] != (byte)'m' || newline < 1)
        {
            throw new FormatException($"unknown message on the channel of topic '{topic}'");
        }

        var epoch = Encoding.UTF8.GetString(span[1..newline]);
        return new ChannelNotice(DecodeEntry(topic, epoch, value[(newline + 1)..]), null, null);
    }
}
