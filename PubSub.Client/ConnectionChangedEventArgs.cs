namespace PubSub.Client;

/// <summary>A change of the client's connection, for <see cref="PubSubClient.ConnectionChanged"/>.</summary>
public sealed class ConnectionChangedEventArgs : EventArgs
{
    /// <summary>Creates the event's arguments.</summary>
    public ConnectionChangedEventArgs(Uri? url, Exception? error)
    {
        Url = url;
        Error = error;
    }

    /// <summary>The node connected to, or null when the connection was lost.</summary>
    public Uri? Url { get; }

    /// <summary>Why the connection was lost, when known.</summary>
    public Exception? Error { get; }
}
