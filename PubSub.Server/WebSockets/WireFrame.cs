using System.Buffers.Binary;

namespace PubSub.Server.WebSockets;

/// <summary>RFC 6455 §5.2 framing of a server's (unmasked) message.</summary>
internal static class WireFrame
{
    /// <summary>One final text frame carrying <paramref name="utf8"/>: the header, then the bytes.</summary>
    public static byte[] Text(ReadOnlySpan<byte> utf8)
    {
        var headerLength = HeaderLength(utf8.Length);
        var frame = GC.AllocateUninitializedArray<byte>(headerLength + utf8.Length);
        frame[0] = 0x80 | 0x1; // FIN, opcode text
        switch (headerLength)
        {
            case 2:
                frame[1] = (byte)utf8.Length;
                break;
            case 4:
                frame[1] = 126;
                BinaryPrimitives.WriteUInt16BigEndian(frame.AsSpan(2), (ushort)utf8.Length);
                break;
            default:
                frame[1] = 127;
                BinaryPrimitives.WriteUInt64BigEndian(frame.AsSpan(2), (ulong)utf8.Length);
                break;
        }

        utf8.CopyTo(frame.AsSpan(headerLength));
        return frame;
    }

    /// <summary>The JSON inside a frame built by <see cref="Text"/>.</summary>
    public static ReadOnlySpan<byte> Payload(byte[] frame) => frame.AsSpan(HeaderLengthOf(frame));

    private static int HeaderLength(int payloadLength) => payloadLength switch
    {
        < 126 => 2,
        <= ushort.MaxValue => 4,
        _ => 10,
    };

    private static int HeaderLengthOf(byte[] frame) => (frame[1] & 0x7F) switch
    {
        126 => 4,
        127 => 10,
        _ => 2,
    };
}
