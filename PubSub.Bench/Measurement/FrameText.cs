using System.Text;

namespace PubSub.Bench.Measurement;

/// <summary>Small helpers for frames the receive loops only glance at.</summary>
internal static class FrameText
{
    /// <summary>The value of <c>"code":"…"</c> in a JSON error frame, or "ERROR".</summary>
    public static string ErrorCode(ReadOnlySpan<byte> frame)
    {
        var at = frame.IndexOf("\"code\":\""u8);
        if (at < 0)
        {
            return "ERROR";
        }

        var rest = frame[(at + 8)..];
        var end = rest.IndexOf((byte)'"');
        return end < 0 ? "ERROR" : Encoding.UTF8.GetString(rest[..end]);
    }

    public static string Clip(ReadOnlySpan<byte> frame, int max = 300) => Encoding.UTF8.GetString(frame[..Math.Min(frame.Length, max)]);
}
