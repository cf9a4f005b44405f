using System.Globalization;

namespace PubSub.Server.Api;

/// <summary>The one timestamp format of the wire: <c>2025-08-25T10:00:00.123Z</c>.</summary>
public static class Timestamps
{
    /// <summary>Bytes in a formatted timestamp.</summary>
    public const int Length = 24;

    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>
    /// Writes the timestamp as UTF-8 into <paramref name="destination"/> (<see cref="Length"/> bytes) without
    /// allocating: the same text as <see cref="Format"/>, digit by digit, since every frame carries one and the
    /// general formatter (parsing its pattern each time) showed in profiles of the publish path.
    /// </summary>
    public static bool TryFormat(DateTimeOffset value, Span<byte> destination, out int written)
    {
        var t = value.UtcDateTime;
        if (destination.Length < Length || t.Year > 9999)
        {
            written = 0;
            return false;
        }

        t.Deconstruct(out var date, out var time);
        Digits(destination, 0, date.Year, 4);
        destination[4] = (byte)'-';
        Digits(destination, 5, date.Month, 2);
        destination[7] = (byte)'-';
        Digits(destination, 8, date.Day, 2);
        destination[10] = (byte)'T';
        Digits(destination, 11, time.Hour, 2);
        destination[13] = (byte)':';
        Digits(destination, 14, time.Minute, 2);
        destination[16] = (byte)':';
        Digits(destination, 17, time.Second, 2);
        destination[19] = (byte)'.';
        Digits(destination, 20, time.Millisecond, 3);
        destination[23] = (byte)'Z';
        written = Length;
        return true;
    }

    private static void Digits(Span<byte> destination, int at, int value, int count)
    {
        for (var i = at + count - 1; i >= at; i--)
        {
            destination[i] = (byte)('0' + (value % 10));
            value /= 10;
        }
    }
}
