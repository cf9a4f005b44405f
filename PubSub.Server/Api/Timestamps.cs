using System.Globalization;

namespace PubSub.Server.Api;

/// <summary>The one timestamp format of the wire: <c>2025-08-25T10:00:00.123Z</c>.</summary>
public static class Timestamps
{
    public static string Format(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Writes the timestamp as UTF-8 into <paramref name="destination"/> (24 bytes) without allocating.</summary>
    public static bool TryFormat(DateTimeOffset value, Span<byte> destination, out int written) =>
        value.UtcDateTime.TryFormat(destination, out written, "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
