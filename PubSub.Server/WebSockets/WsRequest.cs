namespace PubSub.Server.WebSockets;

/// <summary>A client frame that parsed and passed the field rules of PROTOCOL.md §2.</summary>
internal sealed class WsRequest
{
    public WsRequestType Type { get; init; }

    public string? Topic { get; init; }

    public string? ClientId { get; init; }

    /// <summary>The request_id exactly as sent (raw JSON, any type), echoed verbatim; null when absent.</summary>
    public byte[]? RequestId { get; init; }

    public int? LastN { get; init; }

    public long? SinceSeq { get; init; }

    /// <summary>The epoch a <see cref="SinceSeq"/> belongs to (PROTOCOL.md §8), when sent.</summary>
    public string? Epoch { get; init; }

    public string? MessageId { get; init; }

    public byte[]? Payload { get; init; }

    /// <summary>A publish's <c>idempotency_key</c> (1–128 characters), when sent.</summary>
    public string? IdempotencyKey { get; init; }
}
