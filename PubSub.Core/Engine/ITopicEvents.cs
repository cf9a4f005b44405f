namespace PubSub.Core.Engine;

/// <summary>
/// An optional ability of an engine whose topics change through other nodes too: it reports every topic created
/// or deleted anywhere, so that topic lists (dashboards) follow without polling. Best effort, like the bus.
/// </summary>
internal interface ITopicEvents
{
    /// <summary>Raised with (name, created?) for a topic created (true) or deleted (false) on any node. Handlers must not block.</summary>
    event Action<string, bool>? TopicChanged;
}
