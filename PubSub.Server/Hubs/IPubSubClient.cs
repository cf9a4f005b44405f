namespace PubSub.Server.Hubs;

/// <summary>
/// What the server calls on a <c>/hubs/pubsub</c> client (PROTOCOL.md §7). Public because SignalR emits a
/// proxy type for it; the method names are the wire names, so renaming one is a protocol break.
/// </summary>
public interface IPubSubClient
{
    /// <summary>A published message of a topic the client subscribed to: replayed ones first, then live ones.</summary>
    Task Event(HubEvent message);

    /// <summary><c>topic_deleted</c>, <c>ping</c> (heartbeat) or <c>server_shutdown</c>.</summary>
    Task Info(HubInfo info);

    /// <summary>An error not tied to an invocation, e.g. <c>SLOW_CONSUMER</c>.</summary>
    Task Error(HubError error);
}
