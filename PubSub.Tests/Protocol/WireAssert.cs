using System.Text.Json;
using System.Text.RegularExpressions;

namespace PubSub.Tests.Protocol;

/// <summary>Assertions on the shape of server frames (PROTOCOL.md §3).</summary>
internal static partial class WireAssert
{
    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,7})?Z$")]
    private static partial Regex IsoUtc();

    /// <summary>Every frame has a type and an ISO-8601 UTC ts ending in Z.</summary>
    public static void HasTypeAndTs(JsonElement frame, string type)
    {
        Assert.Equal(type, frame.GetProperty("type").GetString());
        var ts = frame.GetProperty("ts").GetString();
        Assert.Matches(IsoUtc(), ts);
    }

    public static void IsError(JsonElement frame, string code, string? requestId = null, string? messageContains = null)
    {
        HasTypeAndTs(frame, "error");
        Assert.Equal(code, frame.GetProperty("error").GetProperty("code").GetString());
        Assert.False(string.IsNullOrWhiteSpace(frame.GetProperty("error").GetProperty("message").GetString()));
        if (requestId is null)
        {
            Assert.False(frame.TryGetProperty("request_id", out _), $"no request_id expected in {frame}");
        }
        else
        {
            Assert.Equal(requestId, frame.GetProperty("request_id").GetString());
        }

        if (messageContains is not null)
        {
            Assert.Contains(messageContains, frame.GetProperty("error").GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        }
    }

    public static void IsAck(JsonElement frame, string topic, string? requestId)
    {
        HasTypeAndTs(frame, "ack");
        Assert.Equal(topic, frame.GetProperty("topic").GetString());
        Assert.Equal("ok", frame.GetProperty("status").GetString());
        if (requestId is null)
        {
            Assert.False(frame.TryGetProperty("request_id", out _));
        }
        else
        {
            Assert.Equal(requestId, frame.GetProperty("request_id").GetString());
        }
    }

    public static long IsEvent(JsonElement frame, string topic)
    {
        HasTypeAndTs(frame, "event");
        Assert.Equal(topic, frame.GetProperty("topic").GetString());
        var message = frame.GetProperty("message");
        Assert.Equal(JsonValueKind.String, message.GetProperty("id").ValueKind);
        Assert.True(message.TryGetProperty("payload", out _));
        return frame.GetProperty("seq").GetInt64();
    }
}
