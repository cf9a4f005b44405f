namespace PubSub.Client;

/// <summary>
/// A request the server refused or could not carry out: <see cref="Code"/> is the error code of PROTOCOL.md §3
/// (<see cref="PubSubErrorCodes"/>), <see cref="Exception.Message"/> the server's text.
/// </summary>
public sealed class PubSubException : Exception
{
    /// <summary>Creates an exception for <paramref name="code"/> with the server's <paramref name="message"/>.</summary>
    public PubSubException(string code, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
    }

    /// <summary>The error code as the server sent it, e.g. <c>TOPIC_NOT_FOUND</c>; see <see cref="PubSubErrorCodes"/>.</summary>
    public string Code { get; }
}
