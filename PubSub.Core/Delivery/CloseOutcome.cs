namespace PubSub.Core.Delivery;

/// <summary>What came of an operator's request to close a connection.</summary>
internal enum CloseOutcome
{
    /// <summary>No such open connection here.</summary>
    NotFound,

    /// <summary>The caller may not close it, as it is now (PROTOCOL.md §4): nothing was done.</summary>
    Refused,

    /// <summary>Closed: its client is told why, then disconnected.</summary>
    Closed,
}
