using System.Globalization;
using System.Text;
using PubSub.Server.Api;

namespace PubSub.Tests.Protocol;

/// <summary>The wire's one timestamp format, written digit by digit on the hot path: always the same text as the general formatter.</summary>
public sealed class TimestampsTests
{
    [Theory]
    [InlineData("0001-01-01T00:00:00.000+00:00")]
    [InlineData("2025-08-25T10:00:00.123+00:00")]
    [InlineData("2026-11-27T23:59:59.999+00:00")]
    [InlineData("2026-02-28T07:05:09.050+05:30")]
    [InlineData("9999-12-31T23:59:59.999+00:00")]
    public void TryFormat_writes_the_same_text_as_Format(string input)
    {
        var value = DateTimeOffset.Parse(input, CultureInfo.InvariantCulture);
        Span<byte> buffer = stackalloc byte[Timestamps.Length];

        Assert.True(Timestamps.TryFormat(value, buffer, out var written));

        Assert.Equal(Timestamps.Format(value), Encoding.UTF8.GetString(buffer[..written]));
    }

    [Fact]
    public void Sub_millisecond_ticks_are_truncated_like_the_fff_pattern()
    {
        var value = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero).AddTicks(1_239_999); // 123.9999 ms
        Span<byte> buffer = stackalloc byte[Timestamps.Length];
        Timestamps.TryFormat(value, buffer, out var written);

        Assert.Equal("2026-11-27T12:00:00.123Z", Encoding.UTF8.GetString(buffer[..written]));
        Assert.Equal(Timestamps.Format(value), Encoding.UTF8.GetString(buffer[..written]));
    }

    [Fact]
    public void A_short_buffer_is_refused()
    {
        Span<byte> buffer = stackalloc byte[Timestamps.Length - 1];
        Assert.False(Timestamps.TryFormat(DateTimeOffset.UtcNow, buffer, out var written));
        Assert.Equal(0, written);
    }
}
