using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Protocol;

namespace PubSub.Server.Hubs;

/// <summary>
/// Wraps a hub protocol (JSON, MessagePack) so that a failed invocation's error is exactly
/// <c>"CODE: message"</c>, as PROTOCOL.md §7 promises, rather than SignalR's
/// <c>"An unexpected error occurred invoking 'X' on the server. HubException: CODE: message"</c>.
/// </summary>
/// <remarks>
/// SignalR builds that text after every hub filter has run, so the completion message is the first place it
/// can be changed. Only completion errors are touched: one that carries a <c>HubException</c> whose message
/// starts with a protocol code is cut to that message; SignalR's own argument-binding and unknown-method errors
/// get <c>BAD_REQUEST</c>, its authorization failure <c>FORBIDDEN</c>, and its generic text <c>INTERNAL</c>.
/// Protocols are resolved by name for every hub, so this applies to any hub that speaks JSON or MessagePack;
/// the PubSub hub is the only one (Blazor circuits speak their own protocol).
/// </remarks>
internal sealed class ErrorCodeHubProtocol(IHubProtocol inner) : IHubProtocol
{
    private const string HubExceptionMarker = "HubException: ";

    // Every wire code, so a code added to PubSubErrorCode is recognised here without a second list.
    private static readonly string[] Codes = Enum.GetValues<PubSub.Core.PubSubErrorCode>().Select(PubSub.Core.PubSubException.WireName).Distinct().ToArray();

    public string Name => inner.Name;

    public int Version => inner.Version;

    public TransferFormat TransferFormat => inner.TransferFormat;

    public bool IsVersionSupported(int version) => inner.IsVersionSupported(version);

    public bool TryParseMessage(ref ReadOnlySequence<byte> input, IInvocationBinder binder, [NotNullWhen(true)] out HubMessage? message) =>
        inner.TryParseMessage(ref input, binder, out message);

    public void WriteMessage(HubMessage message, IBufferWriter<byte> output) => inner.WriteMessage(Rewrite(message), output);

    public ReadOnlyMemory<byte> GetMessageBytes(HubMessage message) => inner.GetMessageBytes(Rewrite(message));

    /// <summary>The error text a client sees for SignalR's <paramref name="error"/>.</summary>
    public static string ToProtocolError(string error)
    {
        if (StartsWithCode(error))
        {
            return error;
        }

        var marker = error.IndexOf(HubExceptionMarker, StringComparison.Ordinal);
        if (marker >= 0 && StartsWithCode(error.AsSpan(marker + HubExceptionMarker.Length)))
        {
            return error[(marker + HubExceptionMarker.Length)..];
        }

        if (error.StartsWith("Failed to invoke", StringComparison.Ordinal) && error.Contains("unauthorized", StringComparison.Ordinal))
        {
            return "FORBIDDEN: " + error;
        }

        if (error.StartsWith("Failed to invoke", StringComparison.Ordinal) || error.StartsWith("Unknown hub method", StringComparison.Ordinal) ||
            error.StartsWith("Invocation provides", StringComparison.Ordinal))
        {
            return "BAD_REQUEST: " + error;
        }

        return error.StartsWith("An unexpected error", StringComparison.Ordinal) ? "INTERNAL: " + error : error;
    }

    private static HubMessage Rewrite(HubMessage message)
    {
        if (message is not CompletionMessage { Error: { } error } completion)
        {
            return message;
        }

        var rewritten = ToProtocolError(error);
        return ReferenceEquals(rewritten, error)
            ? message
            : new CompletionMessage(completion.InvocationId!, rewritten, result: null, hasResult: false) { Headers = completion.Headers };
    }

    private static bool StartsWithCode(ReadOnlySpan<char> text)
    {
        foreach (var code in Codes)
        {
            if (text.StartsWith(code, StringComparison.Ordinal) && text.Length > code.Length && text[code.Length] == ':')
            {
                return true;
            }
        }

        return false;
    }
}
