using System.Globalization;

namespace PubSub.Server.Sse;

/// <summary>
/// What an event-stream request asks for (PROTOCOL.md §10): the replay (<c>last_n</c>, or <c>since_seq</c> with an
/// optional <c>epoch</c>, or the <c>Last-Event-ID</c> header, which wins) and the <c>client_id</c>. Parsed before the
/// stream starts, so that a malformed request is a plain 400.
/// </summary>
internal sealed record SseRequest(int LastN, long? SinceSeq, string? Epoch, string? ClientId)
{
    public const string LastEventIdHeader = "Last-Event-ID";

    /// <summary>
    /// Parses the query (<paramref name="lastN"/>, <paramref name="sinceSeq"/>, <paramref name="epoch"/>,
    /// <paramref name="clientId"/>) and the <c>Last-Event-ID</c> header; the error text when they are malformed.
    /// </summary>
    public static bool TryParse(string? lastN, string? sinceSeq, string? epoch, string? clientId, string? lastEventId, int historyCapacity, out SseRequest? request, out string? error)
    {
        request = null;
        error = null;

        // EventSource sends the id of the last message it saw when it reconnects: that is where the stream resumes,
        // whatever the URL it was first opened with asked for.
        if (!string.IsNullOrEmpty(lastEventId))
        {
            if (!TryParseEventId(lastEventId, out var lastEpoch, out var seq))
            {
                error = "Last-Event-ID must be <epoch>:<seq>, as the stream's id lines give it";
                return false;
            }

            request = new SseRequest(0, seq, lastEpoch, clientId);
            return true;
        }

        if (lastN is not null && sinceSeq is not null)
        {
            error = "send either last_n or since_seq, not both";
            return false;
        }

        if (epoch is not null && sinceSeq is null)
        {
            error = "epoch goes with since_seq";
            return false;
        }

        if (sinceSeq is not null)
        {
            if (!TryCount(sinceSeq, out var since))
            {
                error = "since_seq must be a non-negative integer";
                return false;
            }

            if (epoch is not null && !IsEpoch(epoch))
            {
                error = "epoch must be the epoch a subscribe ack or an event id gave";
                return false;
            }

            request = new SseRequest(0, since, epoch, clientId);
            return true;
        }

        if (lastN is not null)
        {
            if (!TryCount(lastN, out var n))
            {
                error = "last_n must be a non-negative integer";
                return false;
            }

            request = new SseRequest((int)Math.Min(n, historyCapacity), null, null, clientId);
            return true;
        }

        request = new SseRequest(0, null, null, clientId);
        return true;
    }

    /// <summary>An event's id, <c>&lt;epoch&gt;:&lt;seq&gt;</c> (the epoch never holds a colon; split at the last one anyway).</summary>
    public static bool TryParseEventId(string? text, out string epoch, out long seq)
    {
        epoch = "";
        seq = 0;
        var colon = text?.LastIndexOf(':') ?? -1;
        if (colon <= 0 || !IsEpoch(text![..colon]) || !TryCount(text[(colon + 1)..], out seq))
        {
            return false;
        }

        epoch = text[..colon];
        return true;
    }

    // Epochs are short tokens (eight hex digits from either engine); anything printable up to 64 characters is taken,
    // since it is only compared with the topic's own.
    private static bool IsEpoch(string text) => text.Length is > 0 and <= 64 && text.All(c => c is > ' ' and < (char)0x7F);

    private static bool TryCount(string text, out long value) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= 0;
}
