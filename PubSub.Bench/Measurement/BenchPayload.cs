using System.Buffers.Text;
using System.Diagnostics;

namespace PubSub.Bench.Measurement;

/// <summary>
/// The payload every transport carries, as compact JSON that the subscriber reads back with a plain span
/// search (no DOM): <c>{"bt":SEND_TICKS,"bp":PUBLISHER,"bk":TOPIC,"bn":COUNTER,"x":"xxx…"}</c>, padded with
/// <c>x</c> to the requested size. <c>bt</c> is <see cref="Stopwatch.GetTimestamp"/> at send: publisher and
/// subscribers are in the same process, so receive time minus <c>bt</c> is the publish-to-delivery latency.
/// <c>bn</c> counts 1, 2, 3, … per (publisher, topic), which is what loss, duplicate and order checks use.
/// The server writes the payload into its event frame verbatim, so the subscriber finds it by its prefix.
/// </summary>
public static class BenchPayload
{
    /// <summary>Where the payload starts inside any frame that carries it.</summary>
    public static ReadOnlySpan<byte> Prefix => "{\"bt\":"u8;

    /// <summary>The smallest payload that holds the fields with realistic numbers.</summary>
    public const int MinimumSize = 64;

    /// <summary>Writes a payload of exactly <paramref name="size"/> bytes (or the fields alone, when they need more) and returns its length.</summary>
    public static int Write(Span<byte> destination, int size, long sendTicks, int publisher, int topic, long counter)
    {
        var n = 0;
        Append(destination, ref n, Prefix);
        n += Format(destination[n..], sendTicks);
        Append(destination, ref n, ",\"bp\":"u8);
        n += Format(destination[n..], publisher);
        Append(destination, ref n, ",\"bk\":"u8);
        n += Format(destination[n..], topic);
        Append(destination, ref n, ",\"bn\":"u8);
        n += Format(destination[n..], counter);
        var pad = size - n - 8; // ,"x":"  and  "}
        if (pad > 0)
        {
            Append(destination, ref n, ",\"x\":\""u8);
            destination.Slice(n, pad).Fill((byte)'x');
            n += pad;
            Append(destination, ref n, "\"}"u8);
        }
        else
        {
            destination[n++] = (byte)'}';
        }

        return n;
    }

    /// <summary>Reads the fields from a span that starts with <see cref="Prefix"/>.</summary>
    public static bool TryRead(ReadOnlySpan<byte> payload, out long sendTicks, out int publisher, out int topic, out long counter)
    {
        publisher = topic = 0;
        counter = 0;
        if (!payload.StartsWith(Prefix) || !Utf8Parser.TryParse(payload[Prefix.Length..], out sendTicks, out var used))
        {
            sendTicks = 0;
            return false;
        }

        payload = payload[(Prefix.Length + used)..];
        return Field(ref payload, ",\"bp\":"u8, out publisher)
            && Field(ref payload, ",\"bk\":"u8, out topic)
            && Field(ref payload, ",\"bn\":"u8, out counter);
    }

    /// <summary>Finds the payload inside a frame (a /ws event, a RESP message) and reads it.</summary>
    public static bool TryFind(ReadOnlySpan<byte> frame, out long sendTicks, out int publisher, out int topic, out long counter)
    {
        var at = frame.IndexOf(Prefix);
        if (at < 0)
        {
            sendTicks = counter = 0;
            publisher = topic = 0;
            return false;
        }

        return TryRead(frame[at..], out sendTicks, out publisher, out topic, out counter);
    }

    private static bool Field(ref ReadOnlySpan<byte> rest, ReadOnlySpan<byte> name, out int value)
    {
        value = 0;
        if (!rest.StartsWith(name) || !Utf8Parser.TryParse(rest[name.Length..], out value, out var used))
        {
            return false;
        }

        rest = rest[(name.Length + used)..];
        return true;
    }

    private static bool Field(ref ReadOnlySpan<byte> rest, ReadOnlySpan<byte> name, out long value)
    {
        value = 0;
        if (!rest.StartsWith(name) || !Utf8Parser.TryParse(rest[name.Length..], out value, out var used))
        {
            return false;
        }

        rest = rest[(name.Length + used)..];
        return true;
    }

    private static int Format(Span<byte> destination, long value) =>
        Utf8Formatter.TryFormat(value, destination, out var written) ? written : throw new ArgumentException("buffer too small", nameof(destination));

    private static void Append(Span<byte> destination, ref int n, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination[n..]);
        n += bytes.Length;
    }
}
