using System.Net;

namespace PubSub.Bench.Transports;

/// <param name="Index">Publisher number (0-based), written into every payload.</param>
/// <param name="Topics">Topic names by index.</param>
/// <param name="PayloadBytes">Payload size.</param>
/// <param name="Window">Acknowledgements are counted into this.</param>
/// <param name="Source">Client source address to bind, or null.</param>
internal sealed record PublisherSpec(int Index, IReadOnlyList<string> Topics, int PayloadBytes, PublishWindow Window, IPAddress? Source)
{
    /// <summary>Each publish carries a unique idempotency key (/ws only; <see cref="Cli.BenchOptions.IdempotencyKeys"/>).</summary>
    public bool IdempotencyKeys { get; init; }
}
