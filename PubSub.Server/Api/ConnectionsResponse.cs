namespace PubSub.Server.Api;

/// <summary>
/// <c>GET /api/connections/</c>: a page of every node's connections the key may see; <c>unanswered</c> lists nodes that did
/// not answer in time (their connections are missing); <c>next_cursor</c> continues the list (null after the last page).
/// </summary>
public sealed record ConnectionsResponse(List<ConnectionBody> Connections, List<string> Unanswered, string? NextCursor);
