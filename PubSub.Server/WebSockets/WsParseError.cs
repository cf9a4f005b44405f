namespace PubSub.Server.WebSockets;

/// <summary>Why a frame was refused: the message for the BAD_REQUEST error and the request_id, when one could be read.</summary>
internal readonly record struct WsParseError(string Message, byte[]? RequestId);
