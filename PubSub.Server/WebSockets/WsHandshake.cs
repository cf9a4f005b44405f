using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace PubSub.Server.WebSockets;

/// <summary>
/// The server side of the RFC 6455 opening handshake (HTTP/1.1 upgrade), done here rather than by
/// <c>AcceptWebSocketAsync</c> so that the session owns the raw duplex stream and can put a
/// <see cref="BatchingStream"/> under the <see cref="System.Net.WebSockets.WebSocket"/>.
/// </summary>
internal static class WsHandshake
{
    private const string Rfc6455Guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

    /// <summary>
    /// Validates the upgrade request and switches protocols. Null (and nothing written) when it is not a valid one,
    /// with the status to answer: 426 and <c>Sec-WebSocket-Version: 13</c> for another version (RFC 6455 §4.4), else 400.
    /// </summary>
    public static async Task<(Stream? Stream, string? Error, int Status)> AcceptAsync(HttpContext http)
    {
        var upgrade = http.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is null || !upgrade.IsUpgradableRequest || !HttpMethods.IsGet(http.Request.Method))
        {
            return (null, "this endpoint speaks WebSocket (HTTP/1.1 upgrade): connect with ws://host/ws", StatusCodes.Status400BadRequest);
        }

        var headers = http.Request.Headers;
        if (!string.Equals(headers[HeaderNames.SecWebSocketVersion], "13", StringComparison.Ordinal))
        {
            http.Response.Headers[HeaderNames.SecWebSocketVersion] = "13";
            return (null, "unsupported WebSocket version: use 13", StatusCodes.Status426UpgradeRequired);
        }

        string? key = headers[HeaderNames.SecWebSocketKey];
        if (!IsValidKey(key))
        {
            return (null, "missing or invalid Sec-WebSocket-Key", StatusCodes.Status400BadRequest);
        }

        http.Response.StatusCode = StatusCodes.Status101SwitchingProtocols;
        http.Response.Headers[HeaderNames.Connection] = "Upgrade";
        http.Response.Headers[HeaderNames.Upgrade] = "websocket";
        http.Response.Headers[HeaderNames.SecWebSocketAccept] = AcceptValue(key!);
        return (await upgrade.UpgradeAsync(), null, StatusCodes.Status101SwitchingProtocols);
    }

    // SHA-1 is what RFC 6455 prescribes for Sec-WebSocket-Accept; it is a handshake checksum, not security.
#pragma warning disable CA5350
    internal static string AcceptValue(string key) =>
        Convert.ToBase64String(SHA1.HashData(Encoding.ASCII.GetBytes(key.Trim() + Rfc6455Guid)));
#pragma warning restore CA5350

    private static bool IsValidKey(string? key)
    {
        if (string.IsNullOrWhiteSpace(key))
        {
            return false;
        }

        Span<byte> decoded = stackalloc byte[24];
        return Convert.TryFromBase64String(key.Trim(), decoded, out var length) && length == 16;
    }
}
