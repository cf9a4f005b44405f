namespace PubSub.Core.Access;

/// <summary>What a caller wants to do, for per-key permission checks (PROTOCOL.md §4, "Every door checks the same rules").</summary>
public enum PubSubOperation
{
    /// <summary>Publish to a topic.</summary>
    Publish,

    /// <summary>Subscribe to (and unsubscribe from) a topic, with its replay.</summary>
    Subscribe,

    /// <summary>Read a topic's details, its subscribers (they expose client addresses) and its history pages.</summary>
    Read,

    /// <summary>Create and delete topics, disconnect connections.</summary>
    Manage,
}
