using PubSub.Core.Delivery;

namespace PubSub.Server.Hosting;

/// <summary>The text every transport gives a slow consumer (<see cref="OutboundKind.SlowConsumer"/>): how many events went, and whether the connection goes too.</summary>
internal static class SlowConsumerNotice
{
    public static string Text(OutboundFrame frame, int capacity) => frame.Fatal
        ? $"outgoing queue overflowed ({capacity} frames): {frame.Count} events dropped, disconnecting"
        : $"outgoing queue overflowed ({capacity} frames): {frame.Count} oldest events dropped";
}
