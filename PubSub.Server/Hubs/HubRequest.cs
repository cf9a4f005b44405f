namespace PubSub.Server.Hubs;

/// <summary>A hub request object after the field rules of PROTOCOL.md §2, in §7's camelCase names.</summary>
internal sealed record HubRequest(string Topic, string? ClientId, int? LastN, long? SinceSeq, string? Id, byte[]? Payload, string? Epoch = null, string? IdempotencyKey = null);
