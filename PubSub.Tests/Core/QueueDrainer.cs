using PubSub.Core.Delivery;
using PubSub.Tests.Infrastructure;

namespace PubSub.Tests.Core;

/// <summary>Reads a broker connection's queue the way a transport's send loop does.</summary>
internal static class QueueDrainer
{
    /// <summary>Everything queued right now, without waiting.</summary>
    public static List<OutboundFrame> DrainNow(this BrokerConnection connection)
    {
        var batch = new List<OutboundFrame>();
        connection.Outbound.Drain(batch);
        return batch;
    }

    /// <summary>Reads until <paramref name="until"/> holds for the frames read so far, bounded by a timeout.</summary>
    public static async Task<List<OutboundFrame>> ReadUntilAsync(this BrokerConnection connection, Func<List<OutboundFrame>, bool> until, TimeSpan? timeout = null)
    {
        var frames = new List<OutboundFrame>();
        using var cts = new CancellationTokenSource(timeout ?? Timeouts.Long);
        while (!until(frames))
        {
            var more = await connection.Outbound.WaitToReadAsync().AsTask().WaitAsync(cts.Token);
            if (!more)
            {
                break;
            }

            connection.Outbound.Drain(frames);
        }

        return frames;
    }
}
