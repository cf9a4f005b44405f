using System.Net;

namespace PubSub.Bench.Transports;

/// <param name="Index">Subscriber number (0-based), used for its client id.</param>
/// <param name="Topics">Topic names to subscribe to.</param>
/// <param name="Source">Client source address to bind, or null.</param>
/// <param name="ReceiveBufferBytes">Receive buffer of the loop (and, when <paramref name="SmallSocketBuffer"/>, of the socket).</param>
/// <param name="SmallSocketBuffer">Shrink the kernel receive buffer, so that a stalled reader backs the server up sooner.</param>
internal sealed record SubscriberSpec(int Index, IReadOnlyList<string> Topics, IPAddress? Source, int ReceiveBufferBytes = 16 * 1024, bool SmallSocketBuffer = false);
